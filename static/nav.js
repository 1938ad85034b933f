// The navigation's menus (<details> in the header): one open at a time, and
// an open one closes on a click outside it or on Escape. Loaded with defer;
// the listeners sit on the document, so they outlive htmx swaps.
(() => {
	"use strict";
	const menus = () => document.querySelectorAll('nav[data-testid="nav"] details');

	// toggle does not bubble: listen in the capture phase.
	document.addEventListener("toggle", (e) => {
		const opened = e.target;
		if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.closest('nav[data-testid="nav"]')) {
			return;
		}
		for (const d of menus()) {
			if (d !== opened) d.open = false;
		}
	}, true);

	document.addEventListener("click", (e) => {
		for (const d of menus()) {
			if (d.open && !d.contains(e.target)) d.open = false;
		}
	});

	document.addEventListener("keydown", (e) => {
		if (e.key !== "Escape") return;
		for (const d of menus()) {
			if (!d.open) continue;
			d.open = false;
			// Keyboard users stay where they were: on the menu's summary.
			if (d.contains(document.activeElement)) d.querySelector("summary").focus();
		}
	});
})();
