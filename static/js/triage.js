// Triage page, progressive enhancement: the form works without JavaScript (the answer page
// or a CSV/JSON download comes back). With it, the report is POSTed by XHR asking for NDJSON:
// upload progress, then "N of M lines" while the server works, then the answer in place.
// Downloads and print use the answer already on the page: nothing is sent again.
(() => {
  const form = document.getElementById("triage-form");
  const answer = document.getElementById("triage-answer");
  const box = document.getElementById("triage-progress");
  const bar = document.getElementById("triage-progress-bar");
  const text = document.getElementById("triage-progress-text");

  function show(percent, message) {
    box.hidden = false;
    if (percent === null) bar.removeAttribute("value");
    else bar.value = Math.max(0, Math.min(100, percent));
    text.textContent = message;
  }

  function enhance(root) {
    root.querySelectorAll("[data-triage-export], [data-triage-print]").forEach((button) => {
      button.hidden = false;
    });
  }

  function exported() {
    const data = document.getElementById("triage-export");
    return data ? JSON.parse(data.textContent) : null;
  }

  function download(kind) {
    const data = exported();
    if (!data) return;
    const body = kind === "csv" ? data.csv : JSON.stringify(data.json, null, 2);
    const type = kind === "csv" ? "text/csv;charset=utf-8" : "application/json";
    const url = URL.createObjectURL(new Blob([body], { type }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `triage.${kind}`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  document.addEventListener("click", (event) => {
    const exportButton = event.target.closest("[data-triage-export]");
    if (exportButton) download(exportButton.dataset.triageExport);
    if (event.target.closest("[data-triage-print]")) window.print();
  });

  function place(html) {
    answer.innerHTML = html;
    enhance(answer);
    const heading = answer.querySelector("#triage-summary, #triage-error");
    if (heading) {
      heading.focus({ preventScroll: true });
      heading.scrollIntoView({ block: "start" });
    }
  }

  function fail(message) {
    box.hidden = true;
    const notice = document.createElement("p");
    notice.className = "notice error";
    notice.id = "triage-error";
    notice.setAttribute("role", "alert");
    notice.tabIndex = -1;
    notice.textContent = message;
    answer.replaceChildren(notice);
    notice.focus();
  }

  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", (event) => {
      const format = form.querySelector("input[name=format]:checked");
      if (format && format.value !== "html") return; // downloads go the ordinary way
      event.preventDefault();
      const xhr = new XMLHttpRequest();
      let read = 0;
      let done = false;
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/x-ndjson");
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) show((e.loaded / e.total) * 30, `Uploading: ${Math.round((e.loaded / e.total) * 100)}%`);
      });
      xhr.upload.addEventListener("load", () => show(30, "Uploaded; reading the report…"));
      const consume = () => {
        if (xhr.status !== 200) return;
        const body = xhr.responseText;
        let end;
        while ((end = body.indexOf("\n", read)) >= 0) {
          const line = body.slice(read, end);
          read = end + 1;
          if (!line.trim()) continue;
          const event = JSON.parse(line);
          if (event.progress) {
            const p = event.progress;
            const share = p.total ? p.done / p.total : 0;
            const label = p.stage === "clustering" ? "Grouping the lines no entry explains" : "Matching lines";
            show(30 + share * 70, `${label}: ${p.done.toLocaleString()} of ${p.total.toLocaleString()} lines`);
          } else if (event.html !== undefined) {
            done = true;
            box.hidden = true;
            place(event.html);
          }
        }
      };
      xhr.addEventListener("progress", consume);
      xhr.addEventListener("load", () => {
        if (xhr.status === 200) {
          consume();
          if (!done) fail("The answer was cut short. Please try again.");
          return;
        }
        let reply = {};
        try {
          reply = JSON.parse(xhr.responseText);
        } catch (error) {
          reply = {};
        }
        if (reply.columns && reply.columns.length) {
          form.submit(); // the server's page asks which column holds the message
          return;
        }
        fail(reply.error || `The report could not be triaged (HTTP ${xhr.status}).`);
      });
      xhr.addEventListener("error", () => fail("The report could not be sent. Check your connection and try again."));
      show(0, "Uploading…");
      xhr.send(new FormData(form));
    });
  }

  enhance(document);
})();
