/* Explore page: filter and sort the server-rendered list; the state lives in the URL so a
   filtered view can be shared.  Reads record text only through data attributes (and the
   abstracts, through the script the list's data-words names, loaded when words are first
   typed) and never writes HTML. Parameter names avoid "q", which Material's search reads.
   Also the paper pages' "Copy BibTeX" button. */
(function () {
  "use strict";
  var FIELDS = ["text", "section", "venue", "from", "to", "mark", "tag", "sort", "code"];
  var LETTERS = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th",
                  "ð": "d", "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "n" };

  /* Lower case without accents, so that "muller" finds "Müller" (and "Müller" too). */
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[ßæœøłđþðıħŧŋ]/g, function (ch) { return LETTERS[ch]; });
  }

  function init() {
    var form = document.getElementById("sb-filters");
    var list = document.getElementById("sb-results");
    if (!form || !list) return;
    var rows = Array.prototype.slice.call(list.children);
    rows.forEach(function (row, i) {
      row.dataset.order = String(i);
      row.sbText = fold(row.dataset.text);
    });
    var controls = {};
    FIELDS.forEach(function (name) { controls[name] = document.getElementById("sb-f-" + name); });
    FIELDS = FIELDS.filter(function (name) { return controls[name]; });  /* no marks: no filter */
    var count = document.getElementById("sb-count");
    var empty = document.getElementById("sb-empty");
    var abstracts = "";  /* "": not asked for; "loading"; "loaded" */
    var sorted = null;   /* the sort the rows are in */

    /* The abstracts join each row's words once loaded: until then, words match the
       title, authors, venue, tags and notes. */
    function loadAbstracts() {
      if (abstracts || !list.dataset.words) return;
      abstracts = "loading";
      var script = document.createElement("script");
      script.src = list.dataset.words;
      script.onload = function () {
        var words = window.sbExploreWords || {};
        rows.forEach(function (row) {
          var text = words[row.dataset.key];
          if (typeof text === "string") row.sbText += " " + fold(text);
        });
        abstracts = "loaded";
        apply(false);
      };
      script.onerror = function () { abstracts = ""; };
      document.head.appendChild(script);
    }

    function read() {
      var state = {};
      FIELDS.forEach(function (name) {
        var el = controls[name];
        state[name] = el.type === "checkbox" ? (el.checked ? "1" : "") : el.value.trim();
      });
      return state;
    }

    function write(state) {
      FIELDS.forEach(function (name) {
        var el = controls[name];
        var value = state[name] || "";
        if (el.type === "checkbox") { el.checked = value === "1"; return; }
        if (el.tagName === "SELECT" &&
            !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
          value = el.tagName === "SELECT" && name === "sort" ? "newest" : "";
        }
        el.value = value;
      });
    }

    function matches(row, s, words) {
      var d = row.dataset;
      var year = Number(d.year);
      if (s.section && d.sections.indexOf(" " + s.section + " ") < 0) return false;
      if (s.venue && d.venue !== s.venue) return false;
      if (s.from && year < Number(s.from)) return false;
      if (s.to && year > Number(s.to)) return false;
      if (s.mark && s.mark.charAt(0) === "-" && d.marks.indexOf(" " + s.mark.slice(1) + " ") >= 0) return false;
      if (s.mark && s.mark.charAt(0) !== "-" && d.marks.indexOf(" " + s.mark + " ") < 0) return false;
      if (s.tag && d.tags.indexOf(" " + s.tag + " ") < 0) return false;
      if (s.code === "1" && d.code !== "1") return false;
      return words.every(function (w) { return row.sbText.indexOf(w) !== -1; });
    }

    var compare = {
      newest: function (a, b) { return b.dataset.year - a.dataset.year || a.dataset.order - b.dataset.order; },
      oldest: function (a, b) { return a.dataset.year - b.dataset.year || a.dataset.order - b.dataset.order; },
      title: function (a, b) { return a.dataset.title.localeCompare(b.dataset.title); },
      venue: function (a, b) {
        return a.dataset.venue.localeCompare(b.dataset.venue) || b.dataset.year - a.dataset.year;
      },
      stars: function (a, b) { return b.dataset.stars - a.dataset.stars || a.dataset.order - b.dataset.order; },
      citations: function (a, b) { return b.dataset.citations - a.dataset.citations || a.dataset.order - b.dataset.order; }
    };

    function apply(push) {
      var s = read();
      var words = fold(s.text).split(/\s+/).filter(Boolean);
      if (words.length) loadAbstracts();
      var shown = 0;
      var order = compare[s.sort] ? s.sort : "newest";
      if (order !== sorted) {  /* moved only when the sort changes, not at each key */
        rows.slice().sort(compare[order]).forEach(function (row) { list.appendChild(row); });
        sorted = order;
      }
      rows.forEach(function (row) {
        var ok = matches(row, s, words);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + (shown === 1 ? " paper" : " papers") +
        (shown === rows.length ? "" : " of " + rows.length);
      empty.hidden = shown !== 0;
      if (push) {
        var params = new URLSearchParams();
        FIELDS.forEach(function (name) {
          if (s[name] && !(name === "sort" && s[name] === "newest")) params.set(name, s[name]);
        });
        var query = params.toString();
        history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
      }
    }

    /* A shared link sets the filters; without one, keep what the form already holds (a
       choice made while the page loaded, or the browser's restored form on Back). */
    var params = new URLSearchParams(location.search);
    if (FIELDS.some(function (name) { return params.has(name); })) {
      var initial = {};
      FIELDS.forEach(function (name) { initial[name] = params.get(name) || ""; });
      write(initial);
      apply(false);
    } else {
      apply(true);
    }
    form.addEventListener("input", function () { apply(true); });
    form.addEventListener("change", function () { apply(true); });
    document.getElementById("sb-f-reset").addEventListener("click", function () {
      write({});
      apply(true);
    });
    form.dataset.ready = "1";
  }

  /* Copy BibTeX: the clipboard API where the browser allows it, else the entry is
     selected so that Ctrl+C / Cmd+C copies it. */
  function copyButtons() {
    Array.prototype.forEach.call(document.querySelectorAll("button.sb-copy"), function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      var source = document.getElementById(button.dataset.copy);
      var status = button.parentNode.querySelector(".sb-copy__status");
      if (!source) return;
      function say(text) { if (status) status.textContent = text; }
      function select() {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
        say(copied ? "Copied." : "Selected: press Ctrl+C (Cmd+C on a Mac) to copy.");
      }
      button.addEventListener("click", function () {
        var text = source.textContent;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { say("Copied."); }, select);
        } else {
          select();
        }
      });
    });
  }

  function start() {
    init();
    copyButtons();
  }

  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(copyButtons);  /* Material's instant navigation */
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
