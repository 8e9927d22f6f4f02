// Progressive enhancement only: every page works without it.
(function () {
  "use strict";
  // Upload: show the bytes sent, then follow the server's redirect to the batch page.
  var form = document.getElementById("upload-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var bar = document.getElementById("upload-progress"), status = document.getElementById("upload-status");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(e.loaded * 100 / e.total); status.textContent = "已上传 " + bar.value + "%"; }
      };
      xhr.onload = function () {
        if (xhr.responseURL && xhr.responseURL.indexOf("/batches/") > 0) { window.location = xhr.responseURL; return; }
        document.open(); document.write(xhr.responseText); document.close();
      };
      xhr.onerror = function () { status.textContent = "上传中断，请检查网络后重试"; };
      status.textContent = "正在上传…";
      xhr.send(new FormData(form));
    });
  }
  // Batch page: poll the progress while applications are still being checked.
  var box = document.getElementById("progress");
  if (box && box.dataset.pending !== "0") {
    var poll = function () {
      fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
        var done = document.getElementById("done");
        if (done) { done.textContent = p.done; }
        if (p.pending === 0) { window.location.reload(); } else { setTimeout(poll, 1500); }
      }).catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1500);
  }
  // Publicity: show the last working day as soon as the start or the days change.
  var pub = document.getElementById("publicity-form");
  if (pub) {
    var show = function () {
      var start = pub.querySelector("#start").value, days = pub.querySelector("#days").value, out = document.getElementById("last-day");
      fetch("/publicities/last-day?start=" + encodeURIComponent(start) + "&days=" + encodeURIComponent(days), {credentials: "same-origin"})
        .then(function (r) { return r.json(); }).then(function (p) {
          if (p.last_day) { var d = p.last_day.split("-"); out.textContent = "公示截止日（最后一个工作日）：" + d[0] + "年" + (+d[1]) + "月" + (+d[2]) + "日"; }
          else { out.textContent = Object.values(p.errors).join("；"); }
        });
    };
    pub.querySelector("#start").addEventListener("change", show);
    pub.querySelector("#days").addEventListener("change", show);
  }
})();
