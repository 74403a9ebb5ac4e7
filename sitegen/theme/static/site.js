/* sitegen: the edition switch. Its links are real links to the same page in each edition;
   this only remembers the reader's choice for the root page and keeps what a link cannot know. */
(function () {
  "use strict";
  var holder = document.querySelector("[data-root]");
  if (!holder) return;
  var root = holder.getAttribute("data-root") || "/";
  var links = document.querySelectorAll("a[data-edition]");
  var prefixes = [holder.getAttribute("data-current") || ""];
  for (var i = 0; i < links.length; i++) prefixes.push(links[i].getAttribute("data-edition"));
  var path = location.pathname, rest = null;
  // A 404 page is shown at the missing page's address (the site's own 404 page, too, on hosts that
  // have only one): offer that same address in each edition.
  if (document.body.classList.contains("kind-404")) {
    for (var p = 0; p < prefixes.length; p++) {
      var folder = root + prefixes[p] + "/";
      if (prefixes[p] && path.indexOf(folder) === 0) rest = path.slice(folder.length);
    }
  }
  var search = document.body.classList.contains("kind-search") ? location.search : "";
  for (var n = 0; n < links.length; n++) {
    var a = links[n];
    if (rest !== null) {
      a.href = root + a.getAttribute("data-edition") + "/" + rest;
      if (a.parentNode.hasAttribute("hidden")) a.parentNode.removeAttribute("hidden");
    }
    if (search) a.href += search; // the search page's query travels with the reader
  }
  document.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a[data-edition]");
    if (!a) return;
    try { localStorage.setItem("sitegen-edition", a.getAttribute("data-edition")); } catch (e) { /* private mode */ }
  });
})();
