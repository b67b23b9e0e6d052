// pasched: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  // A failed form's error summary takes focus, so a screen reader reads it
  // first and a keyboard user can follow its links to the fields.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
  // The summary's links move focus to the field, not just scroll to it.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest(".error-summary a[href^='#']");
    if (!a) return;
    var el = document.getElementById(a.getAttribute("href").slice(1));
    if (el) { e.preventDefault(); el.focus(); }
  });

  // Live updates: the page listens on the live channel of its periods. An
  // event (JSON, never HTML) makes the page fetch its own fragments again;
  // a change to one of the user's own shifts is also said, briefly, in the
  // one polite status region. Focus never moves.
  var body = document.body;
  var periods = (body.getAttribute("data-live-periods") || "").split(" ").filter(Boolean);
  var userId = Number(body.getAttribute("data-user-id"));
  var region = document.getElementById("live-region");
  if (!periods.length || !region || !window.WebSocket) return;

  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  var WORDS = { PENDING: "pending", APPROVED: "approved", REJECTED: "not approved", CANCELLED: "cancelled" };

  function dayMonth(iso) {
    var p = iso.split("-").map(Number);
    var d = new Date(Date.UTC(p[0], p[1] - 1, p[2]));
    return DAYS[d.getUTCDay()] + " " + p[2] + " " + MONTHS[p[1] - 1];
  }
  function summarize(ev) {
    var sh = ev.shift;
    if (sh && ev.type === "shift.requested" && body.hasAttribute("data-live-all")) {
      return "New request: " + (sh.requested_by_name ? sh.requested_by_name + ", " : "") + dayMonth(sh.date) + ", " + sh.start_time.slice(0, 5) + "–" + sh.end_time.slice(0, 5);
    }
    if (!sh || sh.requested_by !== userId) return "";
    return dayMonth(sh.date) + ", " + sh.start_time.slice(0, 5) + "–" + sh.end_time.slice(0, 5) + ": " + (WORDS[sh.status] || sh.status.toLowerCase());
  }

  // Bursts are merged: what arrives within a moment is said once, together.
  var pending = [], sayTimer = null;
  function say(text) {
    if (!text || pending.indexOf(text) >= 0) return;
    pending.push(text);
    clearTimeout(sayTimer);
    sayTimer = setTimeout(function () {
      var msg = pending.join(". ") + ".";
      pending = [];
      // Emptied first, so that the same words twice are said twice.
      region.textContent = "";
      setTimeout(function () { region.textContent = msg; }, 50);
    }, 600);
  }

  // The focused element is found again in the new fragment by id or link.
  function focusKey(el) {
    if (!el || el === body) return null;
    if (el.id) return "#" + CSS.escape(el.id);
    var href = el.getAttribute("href");
    if (href) return el.tagName.toLowerCase() + "[href='" + CSS.escape(href) + "']";
    var form = el.form && el.form.getAttribute("action");
    if (form) return "form[action='" + CSS.escape(form) + "'] " + el.tagName.toLowerCase();
    return null;
  }
  // After a lost connection the page catches up; if that changed what it
  // shows, it says so (what changed meanwhile was never announced).
  var refreshTimer = null, catchingUp = false;
  function refresh(catchUp) {
    if (catchUp) catchingUp = true;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      var frags = document.querySelectorAll("[data-live-fragment][id]");
      var announce = catchingUp;
      catchingUp = false;
      Array.prototype.forEach.call(frags, function (frag) {
        var sel = "#" + CSS.escape(frag.id);
        var before = frag.textContent;
        var active = document.activeElement;
        var key = frag.contains(active) ? focusKey(active) : null;
        var done = function () {
          var now = document.querySelector(sel);
          if (announce && now && now.textContent !== before) say("Updated with changes made while the connection was lost");
          if (!key) return;
          var again = document.querySelector(sel + " " + key) || document.querySelector(key);
          if (again) again.focus({ preventScroll: true });
        };
        if (window.htmx) {
          htmx.ajax("GET", location.pathname + location.search, { target: sel, select: sel, swap: "outerHTML" }).then(done);
        }
      });
    }, 150);
  }

  var tokenPromise = null, tokenExpires = 0, stopped = false;
  function token(fresh) {
    if (fresh || !tokenPromise || Date.now() > tokenExpires) {
      tokenPromise = fetch("/live/token", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (r.status === 401) { stopped = true; throw new Error("signed out"); }
        if (!r.ok) throw new Error("token " + r.status);
        return r.json();
      }).then(function (j) {
        tokenExpires = Date.now() + Math.max(0, j.expires_in - 30) * 1000;
        return j.token;
      });
      tokenPromise.catch(function () { tokenPromise = null; });
    }
    return tokenPromise;
  }

  function listen(period) {
    var attempt = 0, opened = false;
    function connect(freshToken) {
      if (stopped) return;
      token(freshToken).then(function (tok) {
        var proto = location.protocol === "https:" ? "wss:" : "ws:";
        var ws = new WebSocket(proto + "//" + location.host + "/ws/schedule/" + encodeURIComponent(period) + "/?token=" + encodeURIComponent(tok));
        ws.onopen = function () {
          if (opened) refresh(true); // catch up on what happened while away
          opened = true;
          attempt = 0;
        };
        ws.onmessage = function (m) {
          var ev;
          try { ev = JSON.parse(m.data); } catch (e) { return; }
          if (!ev || typeof ev.type !== "string" || !/^(shift|coverage|period)\./.test(ev.type)) return;
          say(summarize(ev));
          refresh();
        };
        ws.onclose = function (e) { retry(e.code === 4001); };
      }, function () { retry(true); });
    }
    function retry(freshToken) {
      if (stopped) return;
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt++;
      setTimeout(function () { connect(freshToken); }, delay);
    }
    connect(false);
  }
  window.addEventListener("pagehide", function () { stopped = true; });
  periods.forEach(listen);
})();
