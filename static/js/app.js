// ClientPulse's script: toasts for errors the server sends via HX-Trigger (htmx's settings are in htmx-setup.js).
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
