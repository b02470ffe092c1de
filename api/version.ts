/** Version of the HTTP contract (response fields and routes), reported as `api_version` and in /openapi.json. */
export const API_VERSION = "1.0.0";
