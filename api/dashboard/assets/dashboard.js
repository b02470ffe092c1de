/* global document, window, DOMParser */
// The dashboard's only script (served by the API; the page's CSP allows scripts from 'self' only): every
// data-refresh-seconds it fetches the page again and swaps the #content element in place, so the charts and tables
// follow MLflow without a full reload. A failed fetch keeps the current content and says so.
(() => {
  const seconds = Number(document.body.dataset.refreshSeconds) || 60;
  const status = document.getElementById("refresh-status");

  const refresh = async () => {
    try {
      const response = await fetch(window.location.pathname, { headers: { Accept: "text/html" }, cache: "no-store" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const next = page.getElementById("content");
      const current = document.getElementById("content");
      if (next && current) current.replaceWith(document.adoptNode(next));
      if (status) status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (status) status.textContent = `refresh failed (${error instanceof Error ? error.message : error}); retrying`;
    } finally {
      window.setTimeout(refresh, seconds * 1000);
    }
  };
  window.setTimeout(refresh, seconds * 1000);
})();
