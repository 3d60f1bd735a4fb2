/* The opening page: each custodian signs in with its own login password on this device,
   receives its share bundle, and decrypts its share here with its passphrase
   (StationCustodian.openShareWithPassphrase, static/js/custodian.js, loaded before this
   module). Only the share is posted; the passphrase never leaves the page. Without this
   script the share is pasted by hand. */
(function () {
  "use strict";
  var form = document.getElementById("opening-form");
  if (!form || !window.StationCustodian || !window.crypto || !window.crypto.subtle) { return; }
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  form.querySelectorAll("fieldset.custodian").forEach(function (box) {
    box.querySelector(".js-only").hidden = false;
    var status = box.querySelector("[data-role=status]");
    box.querySelector("[data-role=decrypt]").addEventListener("click", function () {
      var body = new URLSearchParams();
      body.set("custodian", box.dataset.custodian);
      body.set("password", box.querySelector("[data-role=password]").value);
      status.textContent = "…";
      fetch(form.dataset.bundleUrl, {method: "POST", body: body, credentials: "same-origin",
                                     headers: {"X-CSRFToken": csrf}})
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) { throw new Error(data.error ? data.error.message : response.statusText); }
            return data;
          });
        })
        .then(function (bundle) {
          var passphrase = box.querySelector("[data-role=passphrase]").value;
          return window.StationCustodian.openShareWithPassphrase(bundle, passphrase);
        })
        .then(function (shareHex) {
          box.querySelector("input[name^=share_]").value = shareHex;
          box.querySelector("[data-role=passphrase]").value = "";
          box.querySelector("[data-role=password]").value = "";
          status.textContent = "✓";
        })
        .catch(function (error) { status.textContent = error.message || String(error); });
    });
  });
})();
