// Nomination form: "加为提名人" next to a voter found in the roll appends the voter's number to the
// nominators field (once), so a joint nomination sheet can be entered by name instead of by number.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-nominator]");
  if (!button) return;
  const field = document.querySelector("textarea[name='nominator_ids']");
  if (!field) return;
  const numbers = field.value.split(/[\s,，、;；]+/).filter(Boolean);
  const number = button.dataset.addNominator;
  if (!numbers.includes(number)) numbers.push(number);
  field.value = numbers.join(", ");
  const status = document.getElementById("nominator-count");
  if (status) status.textContent = `${status.dataset.label}: ${numbers.length}`;
  button.setAttribute("aria-pressed", "true");
});
