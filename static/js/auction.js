// The live auction page (trading/procedures/asset_sale/templates/asset_sale/live.html):
// server-sent events keep the price, the countdown and the bids current without a
// reload; the countdown runs on the server's clock (the offset of this device's clock is
// measured from each update and shown); the bid form posts with fetch and shows the
// answer, and without JavaScript it is an ordinary form (the page then reloads).
(function () {
  "use strict";
  var box = document.getElementById("auction");
  if (!box) { return; }
  var offsetMs = 0, endsAt = null, status = null;
  var names = JSON.parse(box.getAttribute("data-names") || "{}");  // the station's view only
  var withNames = Object.keys(names).length > 0;
  var $ = function (id) { return document.getElementById(id); };
  function parseTs(text) { return text ? Date.parse(text) : null; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localTime(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function label(s) { return box.getAttribute("data-label-" + s) || s; }

  function render(state) {
    offsetMs = parseTs(state.server_now) - Date.now();
    endsAt = parseTs(state.ends_at);
    status = state.status;
    $("status").textContent = label(state.status) + (state.outcome ? " · " + label(state.outcome) : "");
    $("current-price").textContent = state.current_price || "—";
    $("next-minimum").textContent = state.next_minimum;
    $("ends-at").textContent = localTime(endsAt);
    $("bid-count").textContent = state.bid_count;
    var leader = $("leader");
    if (leader) { leader.textContent = state.leader; }
    $("offset").textContent = (offsetMs >= 0 ? "+" : "") + (offsetMs / 1000).toFixed(2) + " s";
    var amount = $("amount");
    if (amount && document.activeElement !== amount) { amount.value = state.next_minimum; }
    var rows = state.history.map(function (h) {
      var cells = [[h.seq, "num"], [h.bidder, ""]].concat(withNames ? [[names[h.bidder] || "", ""]] : [])
        .concat([[h.amount, "num"], [localTime(parseTs(h.accepted_at)) + "." + h.accepted_at.slice(20, 23), ""]]);
      return "<tr>" + cells.map(function (c) {
        var td = document.createElement("td");
        td.textContent = c[0];
        if (c[1]) { td.className = c[1]; }
        return td.outerHTML;
      }).join("") + "</tr>";
    });
    $("history").innerHTML = rows.join("");
    box.setAttribute("data-version", state.version);
    if (state.status === "ended") {
      var form = $("form-bid");
      if (form) { form.remove(); }
    }
  }

  function tick() {
    var serverNow = Date.now() + offsetMs;
    $("server-now").textContent = localTime(serverNow);
    if (endsAt !== null && status !== "ended" && status !== "suspended") {
      var ms = Math.max(0, endsAt - serverNow), s = Math.floor(ms / 1000);
      $("countdown").textContent = pad(Math.floor(s / 60)) + ":" + pad(s % 60) + "." + Math.floor(ms % 1000 / 100);
    } else if (status === "ended" || status === "suspended") {
      $("countdown").textContent = label(status);
    }
    window.requestAnimationFrame ? window.requestAnimationFrame(tick) : setTimeout(tick, 100);
  }

  function poll() {  // no event stream: read the state every few seconds instead
    fetch(box.getAttribute("data-state-url"), {headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); }).then(render).catch(function () {});
    if (status !== "ended") { setTimeout(poll, 3000); }
  }

  if (window.EventSource) {
    var source = new EventSource(box.getAttribute("data-events"));
    source.addEventListener("state", function (e) {
      $("link").textContent = "● live";
      render(JSON.parse(e.data));
      if (status === "ended") { source.close(); }
    });
    source.onerror = function () { $("link").textContent = "… reconnecting"; };
  } else {
    poll();
  }
  tick();

  var form = $("form-bid");
  if (form && window.fetch) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(form), result = $("bid-result");
      fetch(form.action, {method: "POST", body: data, headers: {Accept: "application/json"},
                          credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          result.textContent = answer.error ? answer.error.message : answer.message;
          result.className = answer.error ? "alert error" : "muted";
          // a new key for the next bid: a retry of this one must not be a second bid
          form.querySelector("[name=idempotency_key]").value =
            Math.random().toString(36).slice(2) + Date.now().toString(36);
        })
        .catch(function () { result.textContent = "…"; });
    });
  }
})();
