/* The editors' workspace, on top of forms that work without it (progressive enhancement):
 * - drag and drop of requirements in the draft's tree (posts the same form as the buttons);
 * - a Markdown toolbar above the statement, and a live preview through the server's one
 *   Markdown render function (the fragment it returns is already sanitised).
 * No inline script or handler: the Content-Security-Policy allows scripts from our own files only. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.append("csrfmiddlewaretoken", csrfToken());
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    });
  }

  /* Drag and drop ------------------------------------------------------------------------------ */
  function setUpTree(tree) {
    var dragged = null;
    tree.querySelectorAll(".draft-requirement").forEach(function (row) {
      row.setAttribute("draggable", "true");
      row.addEventListener("dragstart", function (event) {
        dragged = row;
        row.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.dataset.requirement);
      });
      row.addEventListener("dragend", function () {
        row.classList.remove("is-dragging");
      });
    });
    tree.querySelectorAll(".draft-requirements").forEach(function (list) {
      list.addEventListener("dragover", function (event) {
        if (!dragged) return;
        event.preventDefault();
        list.classList.add("is-drop-target");
      });
      list.addEventListener("dragleave", function () {
        list.classList.remove("is-drop-target");
      });
      list.addEventListener("drop", function (event) {
        if (!dragged) return;
        event.preventDefault();
        list.classList.remove("is-drop-target");
        var target = event.target.closest(".draft-requirement");
        var before = "";
        if (target && target !== dragged) {
          var box = target.getBoundingClientRect();
          if (event.clientY < box.top + box.height / 2) {
            before = target.dataset.requirement;
          } else {
            var next = target.nextElementSibling;
            while (next && next === dragged) next = next.nextElementSibling;
            before = next ? next.dataset.requirement : "";
          }
        }
        var url = list.dataset.moveUrlTemplate.replace("/0/deplacer/", "/" + dragged.dataset.requirement + "/deplacer/");
        var id = dragged.dataset.requirement;
        dragged = null;
        post(url, { action: "drop", section: list.dataset.section, before: before }).then(function () {
          window.location.hash = "exigence-" + id;
          window.location.reload();
        });
      });
    });
  }

  /* Markdown toolbar: its buttons are in the page (translated there), hidden until this runs. -- */
  function apply(textarea, tool) {
    var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
    var selected = value.slice(start, end);
    var replacement;
    if (tool.line) {
      replacement = (selected || "").split("\n").map(function (line) { return tool.line + line; }).join("\n");
      if (start > 0 && value[start - 1] !== "\n") replacement = "\n" + replacement;
    } else {
      replacement = tool.before + selected + tool.after;
    }
    textarea.setRangeText(replacement, start, end, selected ? "select" : "end");
    if (!selected && !tool.line) {
      var caret = start + tool.before.length;
      textarea.setSelectionRange(caret, caret);
    }
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setUpToolbar(bar) {
    var textarea = document.getElementById(bar.dataset.markdownToolbarFor);
    if (!textarea) return;
    // Between the field's label and the text, where the eye and the tab key expect it.
    textarea.parentNode.insertBefore(bar, textarea);
    bar.querySelectorAll("button").forEach(function (button) {
      button.addEventListener("click", function () {
        apply(textarea, {
          before: button.dataset.before || "",
          after: button.dataset.after || "",
          line: button.dataset.line || "",
        });
      });
    });
    bar.hidden = false;
  }

  /* Live preview ------------------------------------------------------------------------------- */
  function setUpPreview(preview) {
    var source = document.getElementById(preview.dataset.previewSource);
    if (!source) return;
    var timer = null, sent = 0;
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var ticket = ++sent;
        var fields = { texte: source.value };
        if (preview.dataset.previewSince) fields.depuis = preview.dataset.previewSince;
        post(preview.dataset.previewUrl, fields)
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            // The server's fragment is sanitised HTML (the same render function as the pages).
            if (html !== null && ticket === sent) preview.innerHTML = html;
          });
      }, 300);
    });
  }

  /* After a move the page comes back on the moved row: keyboard focus goes back there too. ---- */
  function focusMovedRow() {
    var match = /^#(exigence|chapitre)-\d+$/.exec(window.location.hash);
    var row = match && document.querySelector(window.location.hash);
    if (!row || !row.closest("[data-draft-tree]")) return;
    row.setAttribute("tabindex", "-1");
    row.focus({ preventScroll: false });
  }

  document.querySelectorAll("[data-draft-tree]").forEach(setUpTree);
  focusMovedRow();
  document.querySelectorAll("[data-markdown-toolbar-for]").forEach(setUpToolbar);
  document.querySelectorAll("[data-preview-url]").forEach(setUpPreview);
})();
