/* Exercise logs that survive a lost connection. Progressive enhancement only: without
   this script the log form posts as usual.

   With it, the form is sent with fetch. When the phone is offline (or the request fails),
   the log is kept in localStorage with a random client_id and sent again when the phone is
   back online, from whichever exercise page is open. The server saves a client_id once,
   so sending the same log twice is harmless. */
(function () {
  "use strict";
  var KEY = "patientapp-exercise-logs";

  function queued() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }

  function keep(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* storage full */ }
  }

  function say(kind) {
    var box = document.getElementById("offline-status");
    if (box && box.dataset[kind]) { box.textContent = box.dataset[kind]; box.hidden = false; }
  }

  function today() {
    var d = new Date();
    return [d.getFullYear(), ("0" + (d.getMonth() + 1)).slice(-2),
            ("0" + d.getDate()).slice(-2)].join("-");
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  /* The CSRF token of the page open now: a stored log may be older than the session. */
  function send(entry, isQueued) {
    var body = new FormData();
    Object.keys(entry.fields).forEach(function (name) { body.append(name, entry.fields[name]); });
    var token = document.querySelector("input[name=csrf_token]");
    body.set("csrf_token", token ? token.value : "");
    if (isQueued) { body.set("queued", "1"); }
    return fetch(entry.action, {method: "POST", body: body, credentials: "same-origin",
                                headers: {"Accept": "application/json"}});
  }

  function isJson(response) {
    return (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
  }

  /* Send what waits on this phone. A JSON answer is final (saved, or refused as invalid),
     and so is a link that is unknown or expired; anything else leaves the log for later. */
  function flush() {
    var waiting = queued();
    if (!waiting.length) { return; }
    if (!navigator.onLine) { say("waiting"); return; }
    var done = {};
    Promise.all(waiting.map(function (entry) {
      return send(entry, true).then(function (response) {
        if (isJson(response) || response.status === 404 || response.status === 410) {
          done[entry.fields.client_id] = true;
        }
      }, function () {});
    })).then(function () {
      var left = queued().filter(function (entry) { return !done[entry.fields.client_id]; });
      keep(left);
      say(left.length ? "waiting" : "sent");
    });
  }

  function entryFrom(form) {
    form.elements.client_id.value = form.elements.client_id.value || newId();
    form.elements.logged_on.value = form.elements.logged_on.value || today();
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token") { fields[name] = value; }
    });
    return {action: form.action, fields: fields};
  }

  function keepForLater(entry) {
    keep(queued().concat([entry]));
    say("saved");
  }

  function onSubmit(event) {
    var form = event.target;
    event.preventDefault();
    var entry = entryFrom(form);
    form.elements.client_id.value = "";  // a second log of the same exercise is a new one
    if (!navigator.onLine) { keepForLater(entry); return; }
    send(entry, false).then(function (response) {
      // Anything but a "saved" answer: post the form the ordinary way, so the page shows why.
      if (!isJson(response)) { form.submit(); return; }
      return response.json().then(function (answer) {
        if (answer.saved) { window.location.assign(answer.next); } else { form.submit(); }
      });
    }, function () { keepForLater(entry); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.log-form"), function (form) {
      form.addEventListener("submit", onSubmit);
    });
    window.addEventListener("online", flush);
    flush();
  });
})();
