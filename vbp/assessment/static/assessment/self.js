// The self-assessment page (自评填报). 提交 sends what was saved, not what is on the screen: while the answers
// form has unsaved changes, 提交 waits and says so, so nobody submits believing their last edits went with it.
(() => {
  const answers = document.getElementById("answers");
  const submitForm = document.getElementById("submit-form");
  if (!answers || !submitForm) {
    return;
  }
  const button = submitForm.querySelector("button[type='submit']");
  const note = document.getElementById("save-first");
  const changed = () => {
    button.disabled = true;
    note.hidden = false;
  };
  answers.addEventListener("input", changed);
  answers.addEventListener("change", changed);
})();
