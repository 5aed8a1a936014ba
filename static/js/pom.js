// POM behaviour shared by every page: copy buttons, confirm prompts, auto-submitting filters.
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const source = document.querySelector(copy.dataset.copy);
    navigator.clipboard?.writeText(source.value || source.textContent.trim());
    copy.textContent = "Copied";
  }
  const confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.dataset.confirm)) {
    event.preventDefault();
  }
});
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form && !window.htmx) form.submit();
  // Plain GET filter forms that apply as soon as a value changes (no inline onchange= handlers).
  const submitter = event.target.closest("form[data-submit-on-change]");
  if (submitter) submitter.requestSubmit ? submitter.requestSubmit() : submitter.submit();
});
// Read-only fields holding something to copy (a new API key, a webhook secret) select themselves.
document.addEventListener("focusin", (event) => {
  if (event.target.matches?.("[data-select-on-focus]")) event.target.select();
});
// Sign-up: preselect the browser's time zone so times are shown in it from the first page.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("form select[name=time_zone][data-guess], form.allauth-form select[name=time_zone]");
  const zone = window.Intl?.DateTimeFormat().resolvedOptions().timeZone;
  if (select && zone && select.value === "UTC" && select.querySelector(`option[value="${zone}"]`)) {
    select.value = zone;
  }
});
// Charts draw while the page is still being parsed, before their grid column has its final width:
// fit them to their containers once the page (or an HTMX swap) is laid out.
function fitPlots(root) {
  if (!window.Plotly) return;
  root.querySelectorAll(".js-plotly-plot").forEach((plot) => window.Plotly.Plots.resize(plot));
}
// Charts from `pom.charts.figure_html` carry their figure as JSON in data-plotly (no inline script,
// so they draw under the Content-Security-Policy); draw each one once.
function drawCharts(root) {
  if (!window.Plotly) return;
  root.querySelectorAll("[data-plotly]:not([data-drawn])").forEach((el) => {
    el.dataset.drawn = "1";
    const figure = JSON.parse(el.dataset.plotly);
    window.Plotly.newPlot(el, figure.data || [], figure.layout || {}, JSON.parse(el.dataset.plotlyConfig || "{}"));
  });
}
document.addEventListener("DOMContentLoaded", () => drawCharts(document));
window.addEventListener("load", () => { drawCharts(document); fitPlots(document); });
document.addEventListener("htmx:afterSettle", (event) => { drawCharts(event.target); fitPlots(event.target); });
// On a phone, long filter forms fold behind a "Filters" button unless a filter is in use.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(max-width: 760px)").matches) return;
  const active = new URLSearchParams(window.location.search);
  ["page", "per_page", "sort", "ordering"].forEach((key) => active.delete(key));
  if ([...active.values()].some((value) => value)) return;
  document.querySelectorAll("details.filter-panel[open]").forEach((panel) => panel.removeAttribute("open"));
});
