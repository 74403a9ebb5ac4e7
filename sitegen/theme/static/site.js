/* sitegen: the edition switch. Its links are real links to the same page in each edition;
   this only remembers the reader's choice for the root page and keeps what a link cannot know. */
(function () {
  "use strict";
  var nav = document.querySelector(".edition-switch");
  if (!nav) return;
  var root = nav.getAttribute("data-root") || "/";
  var current = nav.getAttribute("data-current");
  var links = nav.querySelectorAll("a[data-edition]");
  var mine = root + current + "/";
  var path = location.pathname;
  // A 404 page is shown at the missing page's address: offer that same address in each edition.
  var missing = document.body.classList.contains("kind-404") && path.indexOf(mine) === 0;
  for (var i = 0; i < links.length; i++) {
    var a = links[i];
    if (missing) a.href = root + a.getAttribute("data-edition") + "/" + path.slice(mine.length);
    // The search page's query and any in-page anchor travel with the reader.
    if (location.search && (missing || document.body.classList.contains("kind-search"))) a.href += location.search;
  }
  nav.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a[data-edition]");
    if (!a) return;
    try { localStorage.setItem("sitegen-edition", a.getAttribute("data-edition")); } catch (e) { /* private mode */ }
  });
})();
