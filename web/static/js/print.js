/* The 打印 button of a printable record (no inline handlers: the pages run under a strict CSP). */
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
