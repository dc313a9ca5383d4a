// Keyboard shortcuts for the moderation queue (progressive enhancement: every
// decision also works with the buttons alone). j/k: next/previous statement;
// a: approve it; 1-6: reject it with that reason. Keys typed into a form
// field are left alone.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey ||
      /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
    return;
  }
  var items = Array.prototype.slice.call(document.querySelectorAll(".queue-item"));
  if (!items.length) { return; }
  var current = items.indexOf(document.activeElement);
  var item = items[Math.max(current, 0)];
  if (event.key === "j" || event.key === "k") {
    var next = current + (event.key === "j" ? 1 : -1);
    items[Math.min(Math.max(next, 0), items.length - 1)].focus();
  } else if (event.key === "a") {
    item.querySelector('[data-key="approve"]').click();
  } else if (/^[1-6]$/.test(event.key)) {
    var select = item.querySelector("select");
    select.selectedIndex = Number(event.key);
    item.querySelector('[data-key="reject"]').click();
  } else {
    return;
  }
  event.preventDefault();
});
