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
// A click selects too: a field that already has the focus gets no focusin, and the click would only
// place the caret.
for (const type of ["focusin", "click"]) {
  document.addEventListener(type, (event) => {
    if (event.target.matches?.("[data-select-on-focus]")) event.target.select();
  });
}
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
// Responsive tables (docs/accessibility.md): on a phone each `table.table` row is a card, so each
// cell carries its column's header as data-label for the CSS to show. Roles keep the table's
// semantics for screen readers once the CSS changes the rows' display.
function labelTables(root) {
  root.querySelectorAll("table.table:not(.keep-table)").forEach((table) => {
    const headers = [];
    table.querySelectorAll(":scope > thead > tr:last-child > th, :scope > thead > tr:last-child > td").forEach((th) => {
      for (let i = 0; i < (th.colSpan || 1); i += 1) headers.push(th.textContent.trim());
    });
    table.setAttribute("role", "table");
    table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot").forEach((g) => g.setAttribute("role", "rowgroup"));
    table.querySelectorAll("tr").forEach((tr) => {
      tr.setAttribute("role", "row");
      let column = 0;
      [...tr.children].forEach((cell) => {
        const inHead = cell.closest("thead");
        cell.setAttribute("role", inHead ? "columnheader" : cell.tagName === "TH" ? "rowheader" : "cell");
        if (cell.tagName === "TD" && !cell.hasAttribute("data-label")) {
          cell.dataset.label = (cell.colSpan || 1) === 1 ? headers[column] || "" : "";
        }
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelTables(document));
document.addEventListener("htmx:afterSettle", (event) => labelTables(swappedRoot(event)));
// HTMX swaps announce themselves: a message or error in the new content is read out through the
// page's live region (#pom-live, in base.html); a swap the user asked for (not a poll) says that the
// content changed. Focus moves to the first invalid field, so a keyboard user lands on the error.
function announce(text) {
  const live = document.getElementById("pom-live");
  if (!live || !text) return;
  live.textContent = "";
  window.setTimeout(() => { live.textContent = text; }, 50);
}
function swappedRoot(event) {
  // An outerHTML swap replaces the target: find its successor by id, else fall back to the body.
  if (event.target.isConnected && event.target !== document) return event.target;
  const target = event.detail.target || event.target;
  if (target.isConnected) return target;
  return (target.id && document.getElementById(target.id)) || document.body;
}
document.addEventListener("htmx:afterSettle", (event) => {
  const root = swappedRoot(event);
  if (root.closest?.("[data-picker]")) return; // the picker announces its own matches
  const notes = [...root.querySelectorAll(".alert, .errorlist, [role=alert], [data-announce]")];
  const messages = notes.map((el) => el.dataset.announce || el.textContent.trim()).filter(Boolean);
  // Focus lost with the replaced form: put it on the first invalid field, else on the message.
  const focusLost = !document.activeElement || document.activeElement === document.body;
  const invalid = root.querySelector("[aria-invalid=true]");
  if (focusLost && (invalid || notes[0])) {
    const where = invalid || notes[0];
    if (!invalid) where.setAttribute("tabindex", "-1");
    where.focus();
  }
  if (messages.length) announce(messages.join(" "));
  else if (event.detail.requestConfig?.triggeringEvent) {
    const live = document.getElementById("pom-live");
    const label = root.getAttribute("aria-label") || root.querySelector("h1, h2, h3")?.textContent.trim();
    announce([live?.dataset.updated, label].filter(Boolean).join(": "));
  }
});
// Menus (<details class="menu">) close with Escape and give focus back to their summary.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = event.target.closest?.("details.menu[open]");
  if (menu) {
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  }
});
// Scroll containers that still scroll sideways (a matrix, a code block) can be reached by keyboard.
function focusableScrollers(root) {
  root.querySelectorAll(".table-wrap, pre").forEach((el) => {
    if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
  });
}
window.addEventListener("load", () => focusableScrollers(document));
document.addEventListener("htmx:afterSettle", (event) => focusableScrollers(swappedRoot(event)));
// Form errors come back as 400/422 fragments; htmx 2 drops 4xx responses by default, so the user
// would see (and hear) nothing. Swap them like a success: the errors show and are announced.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if ((status === 400 || status === 422) && (event.detail.xhr.getResponseHeader("content-type") || "").startsWith("text/html")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Search-as-you-type picker (pom/picker.py, templates/pom/_picker.html): an ARIA combobox whose
// listbox HTMX fills from the typed text. ↑/↓ walk the matches, Enter picks, Escape closes; the id
// goes to the hidden input, which then fires `change` (so filter forms apply it). Without JavaScript
// the hidden input stays disabled and the server resolves the typed name.
function pickerParts(el) {
  const root = el.closest("[data-picker]");
  if (!root) return null;
  return { root, input: root.querySelector("[data-picker-input]"), value: root.querySelector("[data-picker-value]"), list: root.querySelector("[role=listbox]") };
}
function pickerOptions(parts) {
  return [...parts.list.querySelectorAll("[role=option]:not([aria-disabled=true])")];
}
function pickerOpen(parts, open) {
  parts.list.hidden = !open;
  parts.input.setAttribute("aria-expanded", open ? "true" : "false");
  if (!open) parts.input.removeAttribute("aria-activedescendant");
}
function pickerActivate(parts, option) {
  parts.list.querySelectorAll("[aria-selected=true]").forEach((o) => o.setAttribute("aria-selected", "false"));
  if (!option) return parts.input.removeAttribute("aria-activedescendant");
  option.setAttribute("aria-selected", "true");
  parts.input.setAttribute("aria-activedescendant", option.id);
  option.scrollIntoView({ block: "nearest" });
}
function pickerChoose(parts, option) {
  parts.input.value = option.textContent.trim();
  parts.value.value = option.dataset.value;
  pickerOpen(parts, false);
  parts.value.dispatchEvent(new Event("change", { bubbles: true }));
}
function pickersEnable(root) {
  root.querySelectorAll?.("[data-picker-value][disabled]").forEach((hidden) => { hidden.disabled = false; });
}
document.addEventListener("DOMContentLoaded", () => pickersEnable(document));
document.addEventListener("htmx:load", (event) => pickersEnable(event.target));
document.addEventListener("htmx:afterSwap", (event) => {
  const parts = event.target.matches?.("[data-picker] [role=listbox]") && pickerParts(event.target);
  if (!parts) return;
  const options = pickerOptions(parts);
  [...parts.list.children].forEach((option, i) => { option.id = `${parts.list.id}-${i}`; });
  pickerOpen(parts, document.activeElement === parts.input);
  announce(parts.list.children.length && !options.length ? parts.list.textContent.trim() : `${options.length}`);
});
document.addEventListener("input", (event) => {
  const parts = event.target.matches?.("[data-picker-input]") && pickerParts(event.target);
  if (parts) parts.value.value = "";
});
// The text input's own `change` is not a choice: keep it from the filter form, except when cleared.
document.addEventListener("change", (event) => {
  const parts = event.target.matches?.("[data-picker-input]") && pickerParts(event.target);
  if (!parts) return;
  event.stopPropagation();
  if (!parts.input.value.trim()) parts.value.dispatchEvent(new Event("change", { bubbles: true }));
}, true);
document.addEventListener("keydown", (event) => {
  const parts = event.target.matches?.("[data-picker-input]") && pickerParts(event.target);
  if (!parts) return;
  const options = pickerOptions(parts);
  const current = options.indexOf(parts.list.querySelector("[aria-selected=true]"));
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (!options.length) return;
    pickerOpen(parts, true);
    const step = event.key === "ArrowDown" ? 1 : -1;
    pickerActivate(parts, options[(current + step + options.length) % options.length] || options[0]);
  } else if (event.key === "Enter" && !parts.list.hidden && current >= 0) {
    event.preventDefault();
    pickerChoose(parts, options[current]);
  } else if (event.key === "Escape" && !parts.list.hidden) {
    event.preventDefault();
    event.stopPropagation();
    pickerOpen(parts, false);
  }
});
// Pointer: pick on mousedown, before the input's blur closes the list.
document.addEventListener("mousedown", (event) => {
  const option = event.target.closest?.("[data-picker] [role=option]:not([aria-disabled=true])");
  const parts = option && pickerParts(option);
  if (!parts) return;
  event.preventDefault();
  pickerChoose(parts, option);
});
document.addEventListener("focusout", (event) => {
  const parts = event.target.matches?.("[data-picker-input]") && pickerParts(event.target);
  if (parts) window.setTimeout(() => { if (document.activeElement !== parts.input) pickerOpen(parts, false); }, 100);
});
