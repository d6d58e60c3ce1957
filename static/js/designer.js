// The document designer: adds an element form (from the formset's empty form) and asks for a new preview.
(function () {
  var button = document.getElementById("add-element");
  if (!button) return;
  var form = document.getElementById("designer");
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = document.getElementById("empty-element").innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fieldset = holder.firstElementChild;
    fieldset.querySelector(".element-number").textContent = String(index + 1);
    document.getElementById("elements").appendChild(fieldset);
    total.value = String(index + 1);
    fieldset.querySelector("input[name$='-text']").focus();
  });
})();
