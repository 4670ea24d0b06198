"""Lesson 02's convolution code that tests, graders and the lab widget reuse (the lesson writes it in its cells).

* ``correlate2d``: slide a kernel over an image and take the weighted sum under it (what CNN layers,
  ``cv2.filter2D`` and ``tf.nn.conv2d`` compute), with ``"valid"``/``"same"``/integer padding and a stride.
* ``output_size``: the output length ``(n + 2p - k) // s + 1`` (lesson 04's layer arithmetic builds on it).
* ``kernel_gradient``: the gradient of the mean squared error with respect to a kernel, for learning a kernel
  from input/output pairs by gradient descent.
* ``KERNELS``: classic 3x3 kernels (blur, sharpen, Sobel, ...); ``to_uint8``: a filter result as a picture.
* ``KernelExplorer``: an ipywidgets lab where a learner types a 3x3 kernel and sees the filtered image.

Plain arrays in and out: images are 2-D ``(H, W)`` arrays of any real dtype; results are ``float64``.
"""
from __future__ import annotations

import base64

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..core.errors import ImageError

__all__ = ["correlate2d", "output_size", "same_padding", "kernel_gradient", "KERNELS", "to_uint8", "KernelExplorer"]


def _kernel(values, scale=1.0):
    k = np.array(values, dtype=np.float64) * scale
    k.setflags(write=False)                 # shared by everyone: copy before editing (KERNELS["x"].copy())
    return k


#: Classic 3x3 kernels, read-only float64 arrays (defined in lesson 02). They are written for correlation (how CNNs and
#: ``cv2.filter2D`` apply them): ``sobel_x`` responds positively where the image gets brighter to the right.
KERNELS = {
    "identity": _kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box_blur": _kernel(np.ones((3, 3)), 1 / 9),
    "gaussian_blur": _kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
    "sharpen": _kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "sobel_x": _kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel_y": _kernel([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "laplacian": _kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": _kernel([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
}


def _as_2d(array, what: str) -> np.ndarray:
    a = np.asarray(array)
    if a.ndim != 2:
        hint = (" It looks like a colour image (H, W, 3): convert it with rgb_to_gray(image) or filter each "
                "channel image[..., c] separately." if a.ndim == 3 and a.shape[-1] in (3, 4) else "")
        raise ImageError(f"{what} must be a 2-D array (height, width); got shape {a.shape}.{hint}")
    if a.size == 0:
        raise ImageError(f"{what} is empty (shape {a.shape})")
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool) or np.iscomplexobj(a):
        raise ImageError(f"{what} must hold real numbers; got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def _check_stride(stride) -> int:
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride!r}")
    return int(stride)


def output_size(n: int, k: int, p: int = 0, s: int = 1) -> int:
    """Length of a correlation's output along one axis: ``(n + 2p - k) // s + 1``. Defined in lesson 02.

    ``n`` input length, ``k`` kernel length, ``p`` zeros padded on *each* side, ``s`` stride. The division
    rounds down: a window that would run past the padded input is dropped.
    """
    for name, value, low in (("n", n, 1), ("k", k, 1), ("p", p, 0), ("s", s, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if k > n + 2 * p:
        raise ValueError(f"the kernel (k={k}) is larger than the padded input (n + 2p = {n + 2 * p})")
    return (n + 2 * p - k) // s + 1


def same_padding(n: int, k: int, s: int = 1) -> tuple[int, int]:
    """Zeros to add ``(before, after)`` so that the output has ``ceil(n / s)`` entries, as TensorFlow's and
    Keras's ``padding="same"`` does. For an odd kernel and stride 1 that is ``(k - 1) / 2`` on each side; when
    the total is odd, the extra zero goes after (bottom/right)."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def correlate2d(image, kernel, padding="valid", stride: int = 1, pad_mode: str = "constant"):
    """Slide ``kernel`` over ``image`` and take the weighted sum under it (cross-correlation). Defined in lesson 02.

    ``out[i, j] = sum_{u, v} image_padded[i*s + u, j*s + v] * kernel[u, v]``

    Parameters
    ----------
    image : array (H, W), any real dtype.
    kernel : array (kh, kw).
    padding : ``"valid"`` (no padding: the output shrinks by ``k - 1``), ``"same"`` (pad like TensorFlow so the
        output is ``ceil(H / stride) x ceil(W / stride)``), or an int ``p`` (``p`` rows/columns on every side).
    stride : int >= 1, the step between windows.
    pad_mode : how padded pixels are filled, a :func:`numpy.pad` mode: ``"constant"`` (zeros, like CNN layers),
        ``"reflect"`` (OpenCV's default border, ``BORDER_REFLECT_101``) or ``"edge"`` (``BORDER_REPLICATE``).

    Returns
    -------
    float64 array of shape ``(output_size(H, kh, p, s), output_size(W, kw, p, s))``.
    """
    image = _as_2d(image, "image")
    kernel = _as_2d(kernel, "kernel")
    stride = _check_stride(stride)
    (h, w), (kh, kw) = image.shape, kernel.shape
    if isinstance(padding, str) and padding == "valid":
        pads = ((0, 0), (0, 0))
    elif isinstance(padding, str) and padding == "same":
        pads = (same_padding(h, kh, stride), same_padding(w, kw, stride))
    elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        pads = ((int(padding), int(padding)), (int(padding), int(padding)))
    else:
        raise ValueError(f'padding must be "valid", "same" or an integer >= 0; got {padding!r}')
    if kh > h + sum(pads[0]) or kw > w + sum(pads[1]):
        raise ImageError(f"the kernel {kernel.shape} is larger than the (padded) image "
                         f"{(h + sum(pads[0]), w + sum(pads[1]))}: there is no place to put it. "
                         f"Use a smaller kernel, a bigger image, or padding.")
    if any(pads[0] + pads[1]):
        image = np.pad(image, pads, mode=pad_mode)
    windows = sliding_window_view(image, (kh, kw))[::stride, ::stride]   # (out_h, out_w, kh, kw), no copy
    return np.einsum("ijuv,uv->ij", windows, kernel)


def kernel_gradient(images, targets, kernel):
    """Gradient of the mean squared error of a "valid", stride-1 correlation with respect to its kernel.
    Defined in lesson 02.

    ``loss = mean((correlate2d(images[n], kernel) - targets[n])**2)`` over all ``n`` and all output pixels; its
    gradient is ``2 / M * sum_n correlate2d(images[n], error[n])`` where ``error = prediction - targets`` and ``M``
    is the number of output pixels of all images together.

    Parameters: ``images`` ``(N, H, W)``, ``targets`` ``(N, H - kh + 1, W - kw + 1)``, ``kernel`` ``(kh, kw)``.
    Returns a float64 array of ``kernel``'s shape.
    """
    kernel = _as_2d(kernel, "kernel")
    x, y = np.asarray(images, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if x.ndim != 3 or y.ndim != 3:
        raise ImageError(f"images and targets must be stacks of 2-D arrays (N, H, W); got shapes {x.shape} and "
                         f"{y.shape}. For one image use images[None] and targets[None].")
    want = (x.shape[0], x.shape[1] - kernel.shape[0] + 1, x.shape[2] - kernel.shape[1] + 1)
    if y.shape != want:
        raise ImageError(f"targets have shape {y.shape}, but a 'valid' correlation of images {x.shape} with a "
                         f"{kernel.shape} kernel gives {want}: pair each image with its own valid-size output.")
    windows = sliding_window_view(x, kernel.shape, axis=(1, 2))        # (N, H_out, W_out, kh, kw)
    error = np.einsum("nijuv,uv->nij", windows, kernel) - y
    return 2.0 / error.size * np.einsum("nijuv,nij->uv", windows, error)


def to_uint8(result, rescale: bool = False):
    """A float filter result as a displayable ``uint8`` image: clipped to 0-255, or with ``rescale=True``
    stretched so that its minimum is black and its maximum white (for results with negative values)."""
    r = np.asarray(result, dtype=np.float64)
    if rescale:
        lo, hi = float(r.min()), float(r.max())
        r = (r - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(r)
    return np.clip(np.rint(r), 0, 255).astype(np.uint8)


def _png(gray_uint8) -> bytes:
    import cv2
    ok, buf = cv2.imencode(".png", gray_uint8)
    if not ok:                              # pragma: no cover - imencode fails only on invalid input
        raise ImageError("could not encode the image as PNG")
    return buf.tobytes()


class KernelExplorer:
    """An interactive lab: nine number boxes hold a 3x3 kernel; the image filtered with it updates as you type.

    ``KernelExplorer(image)`` where ``image`` is 2-D grayscale (0-255). Show it by making it the last expression
    of a cell. A preset menu fills in the kernels of :data:`KERNELS`; "rescale" stretches results with negative
    values (edges) to 0-255 instead of clipping them.

    Reacts with ``observe``, so it needs a live kernel; without one (a static notebook viewer) the cell
    shows a PNG of the starting state instead of the widget. ``kernel`` (get/set), ``result`` and
    ``image_out`` are there for code and tests.
    """

    def __init__(self, image, kernel="sharpen", rescale: bool = False, display_width: int = 256):
        import ipywidgets as W

        self.image = _as_2d(image, "image")
        start = KERNELS[kernel] if isinstance(kernel, str) else _as_2d(kernel, "kernel")
        if start.shape != (3, 3):
            raise ValueError(f"KernelExplorer edits 3x3 kernels; got shape {start.shape}")
        box = W.Layout(width="72px")
        self.boxes = [W.FloatText(value=float(v), step=0.1, layout=box) for v in start.ravel()]
        self.preset = W.Dropdown(options=["(custom)"] + list(KERNELS), value=kernel if isinstance(kernel, str)
                                 else "(custom)", description="preset")
        self.rescale = W.Checkbox(value=rescale, description="rescale min..max to black..white", indent=False)
        self.info = W.HTML()
        px = W.Layout(width=f"{display_width}px")
        self.original = W.Image(value=_png(to_uint8(self.image)), format="png", layout=px)
        self.filtered = W.Image(format="png", layout=px)
        grid = W.GridBox(self.boxes, layout=W.Layout(grid_template_columns="repeat(3, 76px)"))
        controls = W.VBox([W.HTML("<b>kernel</b> (edit any number)"), grid, self.preset, self.rescale, self.info])
        images = W.HBox([W.VBox([W.HTML("original"), self.original]),
                         W.VBox([W.HTML("filtered (correlate2d, padding='same')"), self.filtered])])
        self.widget = W.HBox([controls, images])
        self._setting = False
        for b in self.boxes:
            b.observe(self._on_box, names="value")
        self.rescale.observe(lambda _: self.update(), names="value")
        self.preset.observe(self._on_preset, names="value")
        self.update()

    @property
    def kernel(self) -> np.ndarray:
        """The 3x3 kernel in the boxes, float64."""
        return np.array([b.value for b in self.boxes], dtype=np.float64).reshape(3, 3)

    @kernel.setter
    def kernel(self, values):
        k = _as_2d(values, "kernel")
        if k.shape != (3, 3):
            raise ValueError(f"KernelExplorer edits 3x3 kernels; got shape {k.shape}")
        self._setting = True                       # one update for nine boxes, not nine
        try:
            for b, v in zip(self.boxes, k.ravel()):
                b.value = float(v)
        finally:
            self._setting = False
        self.update()

    def _on_box(self, _change):
        if not self._setting:
            if self.preset.value != "(custom)" and not np.array_equal(self.kernel, KERNELS[self.preset.value]):
                self.preset.value = "(custom)"
            self.update()

    def _on_preset(self, change):
        if change["new"] != "(custom)":
            self.kernel = KERNELS[change["new"]]

    def update(self):
        """Filter the image with the current kernel and refresh the picture (called on every edit)."""
        self.result = correlate2d(self.image, self.kernel, padding="same", pad_mode="reflect")
        self.image_out = to_uint8(self.result, rescale=self.rescale.value)
        self.filtered.value = _png(self.image_out)
        self.info.value = (f"kernel sum {self.kernel.sum():.3g} &nbsp; result min {self.result.min():.1f}, "
                           f"max {self.result.max():.1f}")

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        preview = np.hstack([to_uint8(self.image), np.full((self.image.shape[0], 8), 255, np.uint8),
                             self.image_out])
        bundle["image/png"] = base64.b64encode(_png(preview)).decode("ascii")   # static fallback
        return bundle
