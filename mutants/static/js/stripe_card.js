/* Card entry and card authentication with stripe.js (real Stripe or localstripe's copy).
 *
 * #card-setup-form: mounts a card element; on submit runs confirmCardSetup with the SetupIntent's
 *   client secret, then posts only the resulting PaymentMethod id; the card number never reaches us.
 * #confirm-payment-form: runs confirmCardPayment for a PaymentIntent awaiting authentication, then
 *   posts so the server re-reads the PaymentIntent (it trusts Stripe, not this script).
 */
(function () {
  "use strict";

  function errorText(result) {
    var error = result && result.error;
    if (!error) { return ""; }
    return error.message || String(error);
  }

  var setupForm = document.getElementById("card-setup-form");
  if (setupForm) {
    var stripe = Stripe(setupForm.dataset.publishableKey);
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    var errors = document.getElementById("card-errors");
    var busy = false;
    setupForm.addEventListener("submit", function (event) {
      var idInput = setupForm.querySelector("input[name=payment_method_id]");
      if (idInput.value) { return; }  // second pass: the id is set, let the form post
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      errors.textContent = "";
      stripe.confirmCardSetup(setupForm.dataset.clientSecret, {payment_method: {card: card}}).then(function (result) {
        busy = false;
        var message = errorText(result);
        if (message) { errors.textContent = message; return; }
        var pm = result.setupIntent.payment_method;
        idInput.value = typeof pm === "string" ? pm : pm.id;
        setupForm.submit();
      });
    });
  }

  var confirmForm = document.getElementById("confirm-payment-form");
  if (confirmForm) {
    var stripe3ds = Stripe(confirmForm.dataset.publishableKey);
    var done = false;
    var run = function (event) {
      if (done) { return; }
      if (event) { event.preventDefault(); }
      stripe3ds.confirmCardPayment(confirmForm.dataset.clientSecret).then(function (result) {
        done = true;
        confirmForm.submit();  // success or failure, the server re-reads the PaymentIntent
      });
    };
    confirmForm.addEventListener("submit", run);
    run();
  }
})();
