// htmx settings every page shares (the app's and the clients' white-label pages): swap refused forms (422) so
// their messages show; other errors are not swapped.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
  htmx.config.historyCacheSize = 0;
});
