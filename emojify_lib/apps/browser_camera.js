// Browser side of emojify's BrowserCameraDemo (an anywidget module).
// The camera is opened here, in the learner's browser, only when Start is pressed. Small JPEG frames go to
// the Jupyter kernel through this widget's own comm channel; the kernel answers with each face's emotion and
// how to draw it. Nothing is sent anywhere else, and nothing is stored unless Snapshot is pressed: then the kernel
// saves the PNG on its own machine (lesson 07, `make app`) or, in room mode (`make app-room`), sends it back and
// this page hands it to the visitor as a download, so nothing a visitor sends is kept on the server.
//
// Rate: a frame leaves when the answer to the last one is back, but no sooner than the camera delivers a new picture
// (or max_fps, when set). When the round trip is longer than the camera's gap between pictures (a far-away kernel:
// JupyterHub, Colab), a second frame may leave before the first is answered (`in_flight` = 2, the default): it
// travels while the kernel works, so answers come up to twice as often. Never more than two: a slow kernel gives
// fewer frames per second, never a growing queue. Near and fast, the second frame would only wait in the kernel's
// queue and add to the delay, so it is not sent.
//
// Drawing: the kernel sends each face's look (box, colour, emoji square, label and its place, as fractions of the
// frame: `FaceLook` in emojify_lib/live/overlay.py, the one definition of the overlay); this page only draws it.
//
// Timing: each answer carries when the kernel received the frame and when it replied (its clock; on one machine
// the same as this page's), so the widget shows where a frame's time goes: encoding here, the trip to the kernel,
// the kernel's work, the trip back, drawing. The medians are in the root element's data-* attributes.

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const STALL_MS = 3000;   // no answer for this long: say the kernel is slow
const RESEND_MS = 10000; // no answer for this long: assume it was lost (kernel restarted) and send again

function render({ model, el }) {
  const start = h("button", { class: "emojify-start" }, "▶ Start camera");
  const stop = h("button", { class: "emojify-stop" }, "■ Stop");
  stop.disabled = true;
  const coverBox = h("input", { type: "checkbox", class: "emojify-cover" });
  coverBox.checked = model.get("cover");
  const cover = h("label", { class: "emojify-switch", title: "cover each face with its emoji" }, coverBox, " emojify");
  const snap = h("button", { class: "emojify-snapshot", title: "the annotated picture as a PNG" }, "Snapshot");
  snap.disabled = true;
  const picker = h("select", { class: "emojify-model", title: "which model classifies the faces" });
  const pickerRow = h("label", { class: "emojify-picker" }, "Model: ", picker);
  const status = h("div", { class: "emojify-status" }, "Press Start: your browser will ask to use the camera.");
  const video = h("video", { class: "emojify-video", autoplay: "", muted: "", playsinline: "" });
  const overlay = h("canvas", { class: "emojify-overlay" });
  const stage = h("div", { class: "emojify-stage" }, video, overlay);
  const emoji = h("img", { class: "emojify-emoji", alt: "" });
  const name = h("div", { class: "emojify-name" }, "—");
  const bars = h("div", { class: "emojify-bars" });
  const fps = h("div", { class: "emojify-fps" }, "");
  const note = h("div", { class: "emojify-note" }, model.get("note") || "");
  const saved = h("div", { class: "emojify-saved" }, "");
  const side = h("div", { class: "emojify-side" }, emoji, name, bars, fps);
  const root = h("div", { class: "emojify-root" },
    h("div", { class: "emojify-buttons" }, start, stop, cover, snap, pickerRow),
    h("div", { class: "emojify-row" }, stage, side), status, saved, note);
  el.append(root);

  const images = {};
  function loadEmojis() {
    for (const [emotion, url] of Object.entries(model.get("emojis") || {})) {
      const img = new Image(); img.src = url; images[emotion] = img;
    }
  }
  function fillPicker() {
    const options = model.get("models") || [];
    picker.replaceChildren(...options.map(([label, value]) => h("option", { value }, label)));
    picker.value = model.get("model_path");
    pickerRow.style.display = options.length > 1 ? "" : "none";
  }
  loadEmojis(); fillPicker();

  const canvas = document.createElement("canvas");
  let stream = null, running = false, timer = null, watchdog = null;
  let encoding = false, lastSent = 0, minGap = 1000 / 30;
  const out = [];  // the frames on their way, oldest first: {sent (ms since the epoch), encode, bytes}
  const hops = { rtt: [], encode: [], up: [], kernel: [], down: [], draw: [], kb: [] }, answers = [];
  const clock = () => performance.timeOrigin + performance.now();  // ms since the epoch, as the kernel's time.time()

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("emojify-error", isError);
  }

  function keep(name, value) {  // the last 50 values of a hop, for its median
    if (!Number.isFinite(value)) return;
    hops[name].push(value); if (hops[name].length > 50) hops[name].shift();
  }

  function drawFaces(faces) {
    overlay.width = video.clientWidth; overlay.height = video.clientHeight;
    const ctx = overlay.getContext("2d"), W = overlay.width, H = overlay.height;
    ctx.clearRect(0, 0, W, H);
    for (const f of faces) {  // the kernel's FaceLook, as fractions of the frame
      ctx.lineWidth = 2; ctx.strokeStyle = f.color;
      ctx.strokeRect(f.box[0] * W, f.box[1] * H, f.box[2] * W, f.box[3] * H);
      const img = images[f.emotion];
      if (img && img.complete) ctx.drawImage(img, f.emoji[0] * W, f.emoji[1] * H, f.emoji[2] * W, f.emoji[3] * H);
      const [lx, top, lh] = [f.label_box[0] * W, f.label_box[1] * H, f.label_box[2] * H];
      ctx.font = `bold ${Math.max(10, Math.round(lh * 0.7))}px sans-serif`;
      ctx.fillStyle = f.color; ctx.fillRect(lx, top, ctx.measureText(f.label).width + 8, lh);
      ctx.fillStyle = f.text_color; ctx.fillText(f.label, lx + 4, top + lh * 0.78);
    }
  }

  function showStats(now) {
    while (answers.length && now - answers[0] > 2000) answers.shift();  // answers in the last 2 s
    const rate = answers.length > 1 ? (answers.length - 1) * 1000 / (answers[answers.length - 1] - answers[0]) : 0;
    const m = Object.fromEntries(Object.entries(hops).map(([k, v]) => [k, median(v)]));
    fps.textContent = `${rate.toFixed(1)} frames/s · round trip ${Math.round(m.rtt)} ms (median; kernel ${Math.round(m.kernel)} ms)`;
    fps.title = `where a frame's time goes (medians, ms): encode ${m.encode.toFixed(1)} · to the kernel ${m.up.toFixed(1)}` +
      ` · kernel ${m.kernel.toFixed(1)} · back ${m.down.toFixed(1)} · draw ${m.draw.toFixed(1)}; JPEG ${m.kb.toFixed(1)} kB`;
    const d = root.dataset;
    d.fps = rate.toFixed(2); d.rttMs = m.rtt.toFixed(1); d.kernelMs = m.kernel.toFixed(1);
    d.encodeMs = m.encode.toFixed(1); d.upMs = m.up.toFixed(1); d.downMs = m.down.toFixed(1);
    d.drawMs = m.draw.toFixed(2); d.jpegKb = m.kb.toFixed(1);
    d.answers = String(Number(d.answers || 0) + 1);
  }

  function showResult(msg) {
    if (!running) return;  // the answer to a frame sent just before Stop
    const frame = out.shift();  // the kernel answers in the order frames were sent
    if (!frame) return;  // an answer to a frame given up on (see checkStall)
    const now = clock();
    keep("rtt", now - frame.sent); keep("encode", frame.encode); keep("kb", frame.bytes / 1024);
    keep("kernel", msg.ms); keep("up", msg.received - frame.sent); keep("down", now - msg.replied);
    answers.push(performance.now());
    if (msg.error) { say(msg.error, true); }
    const faces = msg.faces || [], drawStart = performance.now();
    root.dataset.faces = String(faces.length);
    drawFaces(faces);
    keep("draw", performance.now() - drawStart);
    if (faces.length) {
      const main = faces[0];
      if (images[main.emotion]) emoji.src = images[main.emotion].src;
      emoji.style.visibility = "visible";
      name.textContent = main.label;
      bars.replaceChildren(...(model.get("names") || []).map((n, i) => h("div", { class: "emojify-bar" },
        h("span", {}, n), h("span", { class: "emojify-fill", style: `width:${Math.round((msg.probs || [])[i] * 100) || 0}%` }))));
      if (!msg.error) say(`Running: ${faces.length} face(s); frames go only to this page's kernel; nothing is stored.`);
    } else if (!msg.error) {
      name.textContent = "no face"; emoji.style.visibility = "hidden";
      say("Running: no face found; frames go only to this page's kernel; nothing is stored.");
    }
    showStats(performance.now());
    pump();
  }

  function grab(width) {
    canvas.width = width; canvas.height = Math.round(video.videoHeight * width / video.videoWidth);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  }

  // Send the next frame if none is on its way (or one, when answers take longer than the camera's gap and
  // in_flight allows two) and the camera has had time to deliver a new picture.
  function pump() {
    clearTimeout(timer);
    const cap = model.get("max_fps") > 0 ? 1000 / model.get("max_fps") : minGap;
    const far = median(hops.rtt) > cap;  // answers take longer than the camera's gap between pictures
    const limit = model.get("in_flight") >= 2 && far ? 2 : 1;
    if (!running || encoding || out.length >= limit) return;
    const wait = lastSent + cap - performance.now();
    if (wait > 1) { timer = setTimeout(pump, wait); return; }
    if (video.readyState < 2 || !video.videoWidth) { timer = setTimeout(pump, 30); return; }
    encoding = true; lastSent = performance.now();
    const started = performance.now();
    grab(Math.min(model.get("send_width"), video.videoWidth)).then(async (blob) => {
      encoding = false;
      if (!running) return;
      if (!blob) { timer = setTimeout(pump, 30); return; }
      const buffer = await blob.arrayBuffer();
      out.push({ sent: clock(), encode: performance.now() - started, bytes: buffer.byteLength });
      model.send({ type: "frame" }, undefined, [buffer]);
      root.dataset.mostOut = String(Math.max(Number(root.dataset.mostOut || 0), out.length));
      pump();  // a second frame may go now, once the camera has a new picture
    });
  }

  function checkStall() {
    if (!running || !out.length) return;
    const late = clock() - out[0].sent;
    if (late > RESEND_MS) { out.length = 0; say("No answer from the kernel for 10 s: sending a new frame…", true); pump(); }
    else if (late > STALL_MS) say(`Waiting for the kernel (${(late / 1000).toFixed(0)} s): it is busy or far away…`);
  }

  async function snapshot() {
    if (!running || !video.videoWidth) return;
    snap.disabled = true;
    const blob = await grab(video.videoWidth);  // the full-size picture; the kernel draws the faces and saves it
    model.send({ type: "snapshot" }, undefined, [await blob.arrayBuffer()]);
  }

  async function startCamera() {
    if (!window.isSecureContext) {
      say("This page is not a secure context, so the browser will not share the camera. Open JupyterLab over " +
          "https:// or http://localhost.", true);
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("This browser cannot share a camera (no navigator.mediaDevices.getUserMedia).", true);
      return;
    }
    start.disabled = true; say("Asking for camera permission…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    } catch (err) {
      start.disabled = false;
      const why = err.name === "NotAllowedError" ? "camera permission was refused; allow it in the address bar and press Start again"
        : err.name === "NotFoundError" ? "no camera was found on this computer"
        : err.name === "NotReadableError" ? "the camera is busy in another program" : `${err.name}: ${err.message}`;
      say(`Could not open the camera: ${why}.`, true);
      return;
    }
    const settings = stream.getVideoTracks()[0].getSettings();
    minGap = 1000 / (settings.frameRate || 30);  // never faster than the camera makes new pictures
    video.srcObject = stream;
    await video.play().catch(() => {});
    running = true; encoding = false; lastSent = 0; out.length = 0;
    Object.values(hops).forEach((v) => { v.length = 0; }); answers.length = 0;
    root.dataset.answers = "0"; root.dataset.mostOut = "0";
    stop.disabled = false; snap.disabled = false;
    watchdog = setInterval(checkStall, 1000);
    say("Camera on: sending frames to your kernel…");
    pump();
  }

  function stopCamera() {
    running = false; out.length = 0;
    clearTimeout(timer); clearInterval(watchdog);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null; video.srcObject = null;
    start.disabled = false; stop.disabled = true; snap.disabled = true;
    say("Stopped. The camera is off.");
  }

  // Room mode: the kernel sends the snapshot's PNG bytes back; the browser saves them as a download.
  function download(name, buffer) {
    const url = URL.createObjectURL(new Blob([buffer], { type: "image/png" }));
    const link = h("a", { href: url, download: name, style: "display:none" });
    root.append(link); link.click(); link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  const onMsg = (msg, buffers) => {
    if (!msg) return;
    if (msg.type === "result") showResult(msg);
    else if (msg.type === "saved" || msg.type === "snapshot") {
      snap.disabled = !running;
      let text = msg.error;
      if (!text && msg.type === "snapshot" && buffers && buffers.length) {
        download(msg.name, buffers[0]);
        text = `Snapshot downloaded to this device as ${msg.name}; nothing was kept on the server.`;
      } else if (!text) text = `Snapshot saved on the kernel's machine: ${msg.path}`;
      saved.textContent = text;
      saved.classList.toggle("emojify-error", Boolean(msg.error));
    } else if (msg.type === "refused") {
      say(msg.error, true);
    }
  };
  model.on("msg:custom", onMsg);
  model.on("change:note", () => { note.textContent = model.get("note") || ""; });
  model.on("change:emojis", loadEmojis);
  model.on("change:models", fillPicker);
  model.on("change:model_path", () => { picker.value = model.get("model_path"); });
  coverBox.addEventListener("change", () => {
    model.set("cover", coverBox.checked); model.save_changes();  // the next answer's looks follow it
  });
  model.on("change:cover", () => { coverBox.checked = model.get("cover"); });
  picker.addEventListener("change", () => { model.set("model_path", picker.value); model.save_changes(); });
  snap.addEventListener("click", snapshot);
  start.addEventListener("click", startCamera);
  stop.addEventListener("click", stopCamera);
  return () => { stopCamera(); model.off("msg:custom", onMsg); };
}

export default { render };
