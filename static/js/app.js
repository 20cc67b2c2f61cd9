// ClientPulse's only script: htmx settings and toasts for errors the server sends via HX-Trigger.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  // Swap validation errors (422) so forms can show them; other errors arrive as toasts.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
  htmx.config.historyCacheSize = 0;
});

function showToast(message, level) {
  var box = document.getElementById("toasts");
  if (!box) return;
  var toast = document.createElement("div");
  toast.className = "toast toast--" + (level || "info");
  toast.setAttribute("role", level === "error" ? "alert" : "status");
  toast.textContent = message;  // textContent: server messages may quote hostile data
  box.appendChild(toast);
  setTimeout(function () { toast.remove(); }, 8000);
}

document.addEventListener("toast", function (evt) { showToast(evt.detail.message, evt.detail.level); });
document.addEventListener("htmx:sendError", function () {
  showToast("Can't reach ClientPulse. Check your connection and try again.", "error");
});
document.addEventListener("htmx:responseError", function (evt) {
  var xhr = evt.detail.xhr;
  if (!xhr.getResponseHeader("HX-Trigger")) showToast("Something went wrong (" + xhr.status + "). Try again.", "error");
});
// allowEval is off (see base.html): say so loudly if markup ever relies on hx-on or trigger filters again.
document.addEventListener("htmx:evalDisallowedError", function (evt) {
  console.error("htmx refused to evaluate code on", evt.target, ": the Content Security Policy allows no eval");
});
// "Copy" buttons: data-copy names the input whose value goes to the clipboard (the field stays selectable anyway).
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copied"; });
});
