// Accessibility fixes for what Dash 4's components render (served by Dash from this folder).
// Applied to the page once a frame after anything changed in it (React's new nodes, a
// component resetting what is fixed here).
//
// - RadioItems and Checklist render a role="listbox" of role="option" labels around native
//   radio buttons and checkboxes: a control inside a control, and a listbox without a name.
//   The native inputs are enough: the box becomes a radiogroup (or a group) named by the
//   field's label, the labels plain labels.
// - A Dropdown puts keyboard focus on an aria-hidden input that hands it on to its button:
//   the button takes the focus itself, the hidden input leaves the tab order. The button is
//   named by what it shows only: its field's label comes first.
// - Upload's file input has no name: it takes the visible text of its drop zone.
// - A figure wider than its box (the paths' figure on a phone) scrolls inside it: the box
//   takes the keyboard focus, to be scrolled with the arrow keys.
(function () {
  "use strict";

  var labels = 0;
  function fieldLabel(box, control) {
    // the <label> just before the control in its field, given an id to be referred to
    var prev = box && box.previousElementSibling;
    if (!prev || prev.tagName !== "LABEL") return null;
    if (!prev.id) prev.id = (control.id || "champ-" + ++labels) + "-libelle";
    return prev.id;
  }

  function fixOptionList(box) {
    var radio = box.querySelector("input[type=radio]");
    box.setAttribute("role", radio ? "radiogroup" : "group");
    if (!box.hasAttribute("aria-labelledby") && !box.hasAttribute("aria-label")) {
      var label = fieldLabel(box, box);
      if (label) box.setAttribute("aria-labelledby", label);
    }
    box.querySelectorAll("[role=option]").forEach(function (option) {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");
    });
  }

  function fixDropdown(target) {
    if (target.getAttribute("tabindex") !== "-1") target.setAttribute("tabindex", "-1");
    var button = target.nextElementSibling;
    if (!button || button.tagName !== "BUTTON") return;
    if (!button.disabled && button.getAttribute("tabindex") !== "0") {
      button.setAttribute("tabindex", "0");
    }
    // named by its field's label first, then by what it shows
    var label = fieldLabel(target.parentElement, button);
    var names = (button.getAttribute("aria-labelledby") || "").split(" ");
    if (label && names.indexOf(label) < 0) {
      button.setAttribute("aria-labelledby", [label].concat(names).join(" ").trim());
    }
  }

  function fixUpload(input) {
    if (input.hasAttribute("aria-label") || input.labels.length) return;
    var zone = input.parentElement;
    var text = zone ? zone.textContent.trim() : "";
    input.setAttribute("aria-label", text || "Choisir des fichiers");
  }

  function fixScrolling(graph) {
    var wide = graph.scrollWidth > graph.clientWidth + 1;
    if (wide && !graph.hasAttribute("tabindex")) {
      graph.setAttribute("tabindex", "0");
    } else if (!wide && graph.getAttribute("tabindex") === "0") {
      graph.removeAttribute("tabindex");
    }
  }

  function fix(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll(".dash-options-list[role=listbox]").forEach(fixOptionList);
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(fixDropdown);
    root.querySelectorAll("input[type=file]").forEach(fixUpload);
    root.querySelectorAll(".dash-graph").forEach(fixScrolling);
  }

  // at most once a frame, however many nodes React or plotly changed
  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      fix(document.body);
    });
  }

  function watch() {
    fix(document.body);
    window.addEventListener("resize", schedule);
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["role", "tabindex"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
