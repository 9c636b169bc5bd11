// Every GOV.UK table sits in a box that scrolls sideways on its own when the table is wider than the screen, so the
// page itself never does. The box is a named region that takes focus, so keyboard users can scroll it too.
for (const table of document.querySelectorAll("table.govuk-table")) {
  if (table.parentElement.classList.contains("app-table-scroll")) continue;
  const box = document.createElement("div");
  box.className = "app-table-scroll";
  box.setAttribute("role", "region");
  box.tabIndex = 0;
  const caption = table.querySelector("caption");
  box.setAttribute("aria-label", caption && caption.textContent.trim() ? caption.textContent.trim() : "Table");
  table.parentElement.insertBefore(box, table);
  box.appendChild(table);
}
