/* sitegen search: fold the query into this edition's script, then ask Pagefind.
   Pagefind keeps one index per edition and does not fold scripts, so 人工智能 typed on a
   Traditional page becomes 人工智慧 here (map made at build time from OpenCC and the glossary). */
(function () {
  "use strict";
  var script = document.currentScript;
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var query = (new URLSearchParams(location.search).get("q") || "").trim();
  input.value = query;
  if (!query) { input.focus(); return; }
  document.title = query + " · " + document.title;
  status.textContent = script.getAttribute("data-searching");

  function fold(map, text) {
    var phrases = map.phrases, longest = 0, table = {}, out = "", i = 0, size, piece, hit;
    for (var p in phrases) longest = Math.max(longest, p.length);
    for (var k = 0; k < map.from.length; k++) table[map.from[k]] = map.to[k];
    while (i < text.length) {
      hit = false;
      for (size = Math.min(longest, text.length - i); size > 1; size--) {
        piece = text.substr(i, size);
        if (Object.prototype.hasOwnProperty.call(phrases, piece)) { out += phrases[piece]; i += size; hit = true; break; }
      }
      if (!hit) { out += table[text[i]] || text[i]; i += 1; }
    }
    return out;
  }

  function show(results) {
    list.textContent = "";
    status.textContent = results.length
      ? script.getAttribute("data-found").replace("{n}", results.length)
      : script.getAttribute("data-none");
    results.forEach(function (r) {
      var li = document.createElement("li");
      var article = document.createElement("article");
      var h = document.createElement("h2");
      var a = document.createElement("a");
      a.href = r.url;
      a.textContent = r.meta.title || r.url;
      h.appendChild(a);
      article.appendChild(h);
      if (r.meta.date) {
        var meta = document.createElement("p");
        meta.className = "meta";
        meta.textContent = r.meta.date;
        article.appendChild(meta);
      }
      var excerpt = document.createElement("p");
      excerpt.className = "summary excerpt";
      excerpt.innerHTML = r.excerpt; // Pagefind escapes the page text; only its <mark> is markup
      article.appendChild(excerpt);
      li.appendChild(article);
      list.appendChild(li);
    });
  }

  Promise.all([
    fetch(script.getAttribute("data-fold")).then(function (r) { return r.json(); }),
    import(script.getAttribute("data-pagefind"))
  ]).then(function (loaded) {
    var folded = fold(loaded[0], query), pagefind = loaded[1];
    // The folded query first; the query as typed too, since a character may be right in both scripts.
    var queries = folded === query ? [folded] : [folded, query];
    return Promise.all(queries.map(function (q) { return pagefind.search(q); })).then(function (searches) {
      var seen = {}, merged = [];
      searches.forEach(function (s) {
        s.results.forEach(function (r) { if (!seen[r.id]) { seen[r.id] = true; merged.push(r); } });
      });
      merged.sort(function (a, b) { return b.score - a.score; });
      return Promise.all(merged.slice(0, 20).map(function (r) { return r.data(); }));
    });
  }).then(show, function () { status.textContent = script.getAttribute("data-failed"); });
})();
