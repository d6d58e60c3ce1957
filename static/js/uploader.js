/* The film uploader: tus (resumable) uploads with progress, pause and resume.
   A dropped connection is retried with growing pauses; after a page reload, choosing the same file
   again continues where it stopped (the upload's address is kept in the browser's storage). */
(function () {
  "use strict";
  var root = document.querySelector("[data-uploader]");
  if (!root || !window.tus) { return; }
  var input = root.querySelector("input[type=file]");
  var bar = root.querySelector(".progress-bar");
  var progress = root.querySelector(".progress");
  var statusLine = root.querySelector("[data-status]");
  var pauseButton = root.querySelector("[data-pause]");
  var resumeButton = root.querySelector("[data-resume]");
  var text = JSON.parse(document.getElementById("uploader-text").textContent);
  var upload = null;

  function say(message, kind) {
    statusLine.textContent = message;
    statusLine.className = "small mt-2 " + (kind === "error" ? "text-danger" : "text-muted");
  }

  function show(element, visible) { element.classList.toggle("d-none", !visible); }

  // Our own refusals are short plain text in the reader's language; anything else (a proxy's HTML page,
  // a network error) has nothing to show.
  function serverMessage(response) {
    var plain = response && (response.getHeader("Content-Type") || "").indexOf("text/plain") === 0;
    return plain ? response.getBody() : "";
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf;
  }

  function fingerprint(file) {
    return Promise.resolve(["festival", root.dataset.entry, file.name, file.size, file.lastModified].join(":"));
  }

  if (window.localStorage) {
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key && key.indexOf("tus::festival:" + root.dataset.entry + ":") === 0) { say(text.chooseAgain); break; }
    }
  }

  function start(file) {
    if (upload) { upload.abort(); }
    upload = new window.tus.Upload(file, {
      endpoint: root.dataset.endpoint,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 120000],
      metadata: { entry: root.dataset.entry, filename: file.name, filetype: file.type || "" },
      // The token is read from the cookie for every request: signing in again in another tab replaces it.
      onBeforeRequest: function (request) { request.setHeader("X-CSRFToken", csrfToken()); },
      fingerprint: fingerprint,
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        var percent = total ? Math.floor(sent * 100 / total) : 0;
        bar.style.width = percent + "%";
        bar.textContent = percent + "%";
        progress.setAttribute("aria-valuenow", String(percent));
        say(text.sending);
      },
      onShouldRetry: function (error) {
        var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        // Out of space (507): the server says so, and the retries go on from what it kept.
        say((status === 507 && serverMessage(error.originalResponse)) || text.retrying);
        // The server's refusals (too large, wrong format, no access) will not change by retrying.
        return !(status >= 400 && status < 500 && status !== 409 && status !== 423);
      },
      onError: function (error) {
        say(serverMessage(error.originalResponse) || text.failed, "error");
        show(pauseButton, false);
        show(resumeButton, true);
      },
      onSuccess: function () {
        bar.style.width = "100%";
        bar.textContent = "100%";
        progress.setAttribute("aria-valuenow", "100");
        say(text.done);
        show(pauseButton, false);
        show(resumeButton, false);
        document.body.dispatchEvent(new CustomEvent("film-uploaded"));
      }
    });
    show(progress, true);
    show(pauseButton, true);
    show(resumeButton, false);
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  }

  input.addEventListener("change", function () {
    if (input.files && input.files[0]) { start(input.files[0]); }
  });
  pauseButton.addEventListener("click", function () {
    if (upload) { upload.abort(); say(text.paused); show(pauseButton, false); show(resumeButton, true); }
  });
  resumeButton.addEventListener("click", function () {
    if (upload) { upload.start(); show(pauseButton, true); show(resumeButton, false); }
  });
  window.addEventListener("online", function () {
    if (upload && !resumeButton.classList.contains("d-none")) { resumeButton.click(); }
  });
})();
