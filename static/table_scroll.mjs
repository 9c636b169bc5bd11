// Every GOV.UK table sits in a box that scrolls sideways on its own when the table is wider than the screen, so the
// page itself never does. The box is a region that takes focus, so keyboard users can scroll it too, named by the
// table's caption, else by the heading before it, else by its place on the page (each name different).
const headingBefore = (element) => {
  for (let node = element.previousElementSibling; node; node = node.previousElementSibling) {
    if (/^H[1-6]$/.test(node.tagName)) return node.textContent.trim();
  }
  return "";
};

const used = new Set();
document.querySelectorAll("table.govuk-table").forEach((table, index) => {
  if (table.parentElement.classList.contains("app-table-scroll")) return;
  const caption = table.querySelector("caption");
  let name = (caption && caption.textContent.trim()) || headingBefore(table) || `Table ${index + 1}`;
  if (used.has(name)) name = `${name} (table ${index + 1})`;
  used.add(name);
  const box = document.createElement("div");
  box.className = "app-table-scroll";
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", name);
  box.tabIndex = 0;
  table.parentElement.insertBefore(box, table);
  box.appendChild(table);
});
