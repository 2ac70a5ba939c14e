/* Aduan portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  /* Forms marked data-once are sent once: the button disables itself, a second
     click or Enter is ignored. The server also deduplicates by the form token. */
  function sendOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      /* With files chosen, a mistake the browser can see (a missing name, a text too
         short) is shown before the upload, not after minutes of it on a slow line: the
         server does not keep refused files. Without files the server's own summary
         says it all. */
      if (hasFiles(form) && form.checkValidity && !form.checkValidity()) {
        event.preventDefault();
        form.reportValidity();
        return;
      }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
      /* An upload on a slow line takes a minute: say so, or the citizen goes Back. */
      var status = form.querySelector("[data-sending-status]");
      if (status && hasFiles(form)) status.hidden = false;
    });
  }

  function hasFiles(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
  }

  /* Region picker (aduan.organizations.forms.RegionPickerMixin): the province <select>
     gains cascading selects (regency/city, district, village) filled from the regions
     endpoint. The deepest chosen code is sent in a hidden input with the field's name.
     A text box for a code or a name (the back office) gives way to a province <select>
     once the provinces have come; until then, or without them, it is typed in. */
  function regionPicker(box) {
    var control = box.querySelector("select, input");
    if (!control || !window.fetch) return;
    if (control.tagName === "SELECT") {
      cascade(box, control);
      return;
    }
    var first = (box.dataset.selected || "").split(".")[0];
    fetch(box.dataset.url)
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (items) {
        /* Someone already typing keeps the box. */
        if (!items.length || control.value !== control.defaultValue) return;
        var select = document.createElement("select");
        select.id = control.id;
        select.name = control.name;
        select.appendChild(new Option(box.dataset.first || "—", ""));
        items.forEach(function (item) {
          select.appendChild(new Option(item.name, item.code, false, item.code === first));
        });
        var typing = box.querySelector("[data-region-typing]");
        var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
          return id && (!typing || id !== typing.id);
        });
        if (described.length) select.setAttribute("aria-describedby", described.join(" "));
        if (control.hasAttribute("aria-invalid")) select.setAttribute("aria-invalid", control.getAttribute("aria-invalid"));
        control.replaceWith(select);
        if (typing) typing.remove();
        cascade(box, select);
      })
      .catch(function () { /* the text box still takes a code or a name */ });
  }

  function cascade(box, province) {
    var url = box.dataset.url;
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = province.name;
    province.removeAttribute("name");
    box.appendChild(hidden);
    var selects = [province];

    function update() {
      var value = "";
      selects.forEach(function (select) {
        if (select.value) value = select.value;
      });
      hidden.value = value;
    }

    function dropBelow(level) {
      while (selects.length > level) {
        var gone = selects.pop();
        gone.parentNode.remove();
      }
    }

    function addLevel(level, parentCode, chosen) {
      return fetch(url + "?parent=" + encodeURIComponent(parentCode))
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) {
          if (!items.length) return null;
          var id = province.id + "_level" + level;
          var wrap = document.createElement("div");
          wrap.className = "field";
          var label = document.createElement("label");
          label.htmlFor = id;
          label.textContent = box.getAttribute("data-label-" + level);
          var select = document.createElement("select");
          select.id = id;
          select.appendChild(new Option(box.dataset.choose || "—", ""));
          items.forEach(function (item) {
            select.appendChild(new Option(item.name, item.code, false, item.code === chosen));
          });
          wrap.appendChild(label);
          wrap.appendChild(select);
          box.appendChild(wrap);
          selects.push(select);
          select.addEventListener("change", function () { onChange(level); });
          return select;
        });
    }

    function onChange(level) {
      var select = selects[level - 1];
      dropBelow(level);
      update();
      if (select.value && level < 4) addLevel(level + 1, select.value, "").then(update);
    }

    province.addEventListener("change", function () { onChange(1); });

    /* Restore the choice after the server showed the form again, with the selects of
       each level down to it and the one below it. */
    var selected = box.dataset.selected || "";
    var parts = selected ? selected.split(".") : [];
    if (parts.length) {
      Array.prototype.slice.call(province.options).forEach(function (option) {
        if (option.value.indexOf(".") !== -1) option.remove();
      });
      province.value = parts[0];
      var chain = Promise.resolve();
      parts.slice(1).forEach(function (_part, index) {
        var level = index + 2;
        var parentCode = parts.slice(0, level - 1).join(".");
        var chosen = parts.slice(0, level).join(".");
        chain = chain.then(function () { return addLevel(level, parentCode, chosen); });
      });
      chain.then(function () {
        var last = selects[selects.length - 1];
        if (last.value && selects.length < 4) return addLevel(selects.length + 1, last.value, "");
      }).then(update);
    }
    update();
  }

  /* Coming back with the Back button restores a page whose button was disabled. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
      form.querySelectorAll("[data-sending-status]").forEach(function (status) {
        status.hidden = true;
      });
    });
  });

  /* "Use my current position": the phone's position into the form's hidden latitude and
     longitude. Shown only where the browser can give one; without it, the address
     and the region say where. */
  function locator(box) {
    if (!navigator.geolocation) return;
    var data = box.dataset;
    var latitude = box.querySelector("[name=latitude]");
    var longitude = box.querySelector("[name=longitude]");
    var status = box.querySelector("[data-locate-status]");
    var clear = box.querySelector("[data-locate-clear]");
    function show() {
      var known = latitude.value !== "" && longitude.value !== "";
      clear.hidden = !known;
      status.textContent = known
        ? data.textFound.replace("{position}", Number(latitude.value).toFixed(5) + ", " + Number(longitude.value).toFixed(5))
        : "";
    }
    function changed() {
      show();
      // Setting a value by script fires no event: tell the page's other helpers (the
      // similar-reports check) that the place changed.
      latitude.dispatchEvent(new Event("change", { bubbles: true }));
    }
    box.hidden = false;
    box.querySelector("[data-locate-button]").addEventListener("click", function () {
      status.textContent = data.textWait;
      navigator.geolocation.getCurrentPosition(function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        changed();
      }, function () {
        status.textContent = data.textFailed;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
    clear.addEventListener("click", function () {
      latitude.value = longitude.value = "";
      changed();
    });
    show();
  }

  /* Large photos made smaller in the phone before they are sent: a 5 MB photo takes two
     minutes on a slow connection, the same photo at 2048 pixels a few seconds, and the
     server shrinks it to that anyway. JPEG and WebP only (a PNG may be a screenshot or
     transparent); the orientation is applied and the metadata (GPS included) left out.
     Anything the browser cannot do leaves the files as they were chosen. */
  var SHRINK_SIDE = 2048;
  var SHRINK_ABOVE = 1.5 * 1024 * 1024;

  function size(bytes) {
    return (bytes / 1024 / 1024).toFixed(1).replace(".", document.documentElement.lang === "en" ? "." : ",") + " MB";
  }

  function shrink(file) {
    if (!/^image\/(jpeg|webp)$/.test(file.type) || file.size < SHRINK_ABOVE) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, SHRINK_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function photoShrinker(input) {
    if (!window.createImageBitmap || !window.DataTransfer || !window.Promise) return;
    var status = document.createElement("p");
    status.className = "hint";
    status.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", status);
    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files || []);
      var before = chosen.reduce(function (sum, f) { return sum + f.size; }, 0);
      Promise.all(chosen.map(shrink)).then(function (files) {
        if (files.every(function (f, i) { return f === chosen[i]; })) return;
        var list = new DataTransfer();
        files.forEach(function (f) { list.items.add(f); });
        input.files = list.files;
        var after = files.reduce(function (sum, f) { return sum + f.size; }, 0);
        status.textContent = input.dataset.textShrunk.replace("{before}", size(before)).replace("{after}", size(after));
      });
    });
  }

  /* A half-written report survives a reload of its page in the same tab: switching the
     language (a form that reloads the page) emptied every field. What is typed is kept
     in sessionStorage, which belongs to this tab alone and ends with it, and is put back
     only into an empty form, for the same person (the same account, or a guest), within
     an hour of the last change. Files and passwords are never kept. The confirmation
     page forgets the draft once the report was received. */
  var DRAFT_KEY = "aduan.report-draft";
  var DRAFT_KEPT_MS = 60 * 60 * 1000;
  var NOT_KEPT = /^(file|password|submit|button|reset)$/;
  var TYPED = /^(text|email|tel|date|number|search|url|textarea)$/;

  function draftStore() {
    try {
      return window.sessionStorage || null;
    } catch (error) {
      return null; /* storage turned off: the page works as before */
    }
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && !NOT_KEPT.test(field.type) &&
        field.name !== "csrfmiddlewaretoken" && field.name !== "form_token";
    });
  }

  function saveDraft(form, store) {
    var values = {};
    draftFields(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) values[field.name] = field.value;
      } else {
        values[field.name] = field.value;
      }
    });
    var draft = { owner: form.dataset.keepDraft, at: Date.now(), values: values };
    try {
      store.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch (error) { /* storage full: the draft is a help, not a requirement */ }
  }

  function savedDraft(form, store) {
    var draft = null;
    try {
      draft = JSON.parse(store.getItem(DRAFT_KEY) || "null");
    } catch (error) { /* unreadable: dropped below */ }
    var fresh = draft && Date.now() - draft.at < DRAFT_KEPT_MS;
    if (!draft || draft.owner !== form.dataset.keepDraft || !fresh || !draft.values) {
      store.removeItem(DRAFT_KEY); /* someone else's, or stale */
      return null;
    }
    return draft.values;
  }

  function restoreDraft(form, store) {
    var values = savedDraft(form, store);
    var fields = draftFields(form);
    /* A form the server showed again (a refused report) holds what was sent. */
    var filled = fields.some(function (field) { return TYPED.test(field.type) && field.value; });
    if (!values || filled) return;
    fields.forEach(function (field) {
      var value = values[field.name];
      var picker = field.closest("[data-region-picker]");
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = value === field.value;
      } else if (picker) {
        picker.dataset.selected = value || ""; /* the picker rebuilds its selects */
      } else if (value !== undefined) {
        field.value = value;
      }
    });
    /* The hints and similar reports (hints.js) look at the restored text. */
    form.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function keepDraft(form) {
    var store = draftStore();
    if (!store) return;
    restoreDraft(form, store);
    function save() { saveDraft(form, store); }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    window.addEventListener("pagehide", save);
  }

  function forgetDraft() {
    var store = draftStore();
    if (store) store.removeItem(DRAFT_KEY);
  }

  document.addEventListener("DOMContentLoaded", function () {
    /* Before the region picker, which shows the restored region. */
    document.querySelectorAll("form[data-keep-draft]").forEach(keepDraft);
    if (document.querySelector("[data-report-received]")) forgetDraft();
    document.querySelectorAll("form[data-once]").forEach(sendOnce);
    document.querySelectorAll("[data-region-picker]").forEach(regionPicker);
    document.querySelectorAll("[data-locate]").forEach(locator);
    document.querySelectorAll("input[type=file][data-shrink-photos]").forEach(photoShrinker);
  });
})();
