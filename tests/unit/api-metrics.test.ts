import { describe, expect, it } from "vitest";
import { LOAD_FAILURE_REASONS } from "../../api/champion.js";
import { createApiMetrics } from "../../api/metrics.js";

describe("API metrics", () => {
  it("when nothing is loaded yet, then load failures show 0 for every reason and no model gauge has a value", async () => {
    const metrics = createApiMetrics({ processMetrics: false });
    const text = await metrics.registry.metrics();
    for (const reason of LOAD_FAILURE_REASONS) {
      expect(text).toContain(`spy_api_model_load_failures_total{reason="${reason}"} 0`);
    }
    expect(text).toMatch(/^# TYPE spy_api_champion_version gauge$/m);
    expect(text).not.toMatch(/^spy_api_champion_version /m);
    expect(text).not.toMatch(/^spy_api_model_age_seconds /m);
    expect(text).not.toMatch(/^process_cpu/m);
  });

  it("when events and requests are recorded, then they are counted by reason, route and status", async () => {
    const metrics = createApiMetrics();
    metrics.modelLoadFailed("corrupt_file");
    metrics.modelLoadFailed("corrupt_file");
    metrics.dataRefreshFailed();
    metrics.observeRequest("GET", "/predictionForTomorrow", 200, 0.0004);
    metrics.observeRequest("GET", "/predictionForTomorrow", 200, 0.003);
    metrics.observeRequest("BREW", "unmatched", 501, 0.001);
    const text = await metrics.registry.metrics();
    expect(text).toContain('spy_api_model_load_failures_total{reason="corrupt_file"} 2');
    expect(text).toContain("spy_api_data_refresh_failures_total 1");
    expect(text).toContain('spy_api_http_requests_total{method="GET",route="/predictionForTomorrow",status="200"} 2');
    expect(text).toContain(
      'spy_api_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/predictionForTomorrow",status="200"} 1',
    );
    expect(text).toContain('spy_api_http_requests_total{method="OTHER",route="unmatched",status="501"} 1');
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});
