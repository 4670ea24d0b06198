"""Draw the seven emoji images of emojify (run once; the PNGs are committed).

They are drawn here from circles, ellipses and curves with OpenCV, so they are the project's own work
(CC0, see README.md). Usage: ``python emojis/make_emojis.py``.
"""
from pathlib import Path

import cv2
import numpy as np

SIZE = 256          # drawn at 4× and shrunk to 256 px for smooth edges
S = SIZE * 4
YELLOW, ORANGE, RED = (40, 205, 255), (20, 150, 245), (60, 70, 230)   # BGR
DARK, WHITE, BLUE = (40, 45, 60), (255, 255, 255), (235, 170, 90)


def _p(x, y):
    return int(x * S), int(y * S)


def _curve(img, pts, thickness, color=DARK):
    pts = np.array([_p(x, y) for x, y in pts], np.int32)
    cv2.polylines(img, [pts], False, color + (255,), int(thickness * S), cv2.LINE_AA)


def _quad(p0, p1, p2, n=24):
    t = np.linspace(0, 1, n)[:, None]
    return list(map(tuple, (1 - t) ** 2 * np.array(p0) + 2 * (1 - t) * t * np.array(p1) + t ** 2 * np.array(p2)))


def _face(color):
    img = np.zeros((S, S, 4), np.uint8)
    cv2.circle(img, _p(.5, .5), int(.47 * S), color + (255,), -1, cv2.LINE_AA)
    # soft shading: darker towards the lower edge
    yy = np.linspace(0, 1, S)[:, None]
    shade = (1 - 0.18 * np.clip(yy - 0.45, 0, 1)).astype(np.float32)
    img[..., :3] = (img[..., :3] * shade[..., None]).astype(np.uint8)
    cv2.circle(img, _p(.5, .5), int(.47 * S), (20, 110, 200, 255), int(.012 * S), cv2.LINE_AA)
    return img


def _eyes(img, h=.09, w=.055, y=.40, pupils=False):
    for x in (.35, .65):
        cv2.ellipse(img, _p(x, y), (int(w * S), int(h * S)), 0, 0, 360, DARK + (255,), -1, cv2.LINE_AA)
        if pupils:
            cv2.circle(img, _p(x + .012, y - .03), int(.018 * S), WHITE + (255,), -1, cv2.LINE_AA)


def happy():
    img = _face(YELLOW)
    for x in (.35, .65):  # smiling eyes: upward arcs
        _curve(img, _quad((x - .07, .42), (x, .32), (x + .07, .42)), .035)
    mouth = np.array([_p(x, y) for x, y in _quad((.24, .58), (.5, .98), (.76, .58))], np.int32)
    cv2.fillPoly(img, [mouth], DARK + (255,), cv2.LINE_AA)
    cv2.ellipse(img, _p(.5, .78), (int(.12 * S), int(.05 * S)), 0, 0, 360, (90, 90, 230, 255), -1, cv2.LINE_AA)
    return img


def sad():
    img = _face(YELLOW)
    _eyes(img, pupils=True)
    for x, d in ((.35, 1), (.65, -1)):  # brows raised in the middle
        _curve(img, [(x - .08 * d, .30), (x + .07 * d, .24)], .03)
    _curve(img, _quad((.32, .76), (.5, .60), (.68, .76)), .04)
    cv2.ellipse(img, _p(.68, .56), (int(.035 * S), int(.06 * S)), 0, 0, 360, BLUE + (255,), -1, cv2.LINE_AA)
    return img


def angry():
    img = _face(RED)
    _eyes(img, h=.06, y=.45)
    for x, d in ((.35, 1), (.65, -1)):  # brows pulled down to the middle
        _curve(img, [(x - .10 * d, .29), (x + .08 * d, .37)], .045)
    _curve(img, _quad((.32, .76), (.5, .64), (.68, .76)), .045)
    return img


def surprised():
    img = _face(YELLOW)
    _eyes(img, h=.085, w=.07, pupils=True)
    for x in (.35, .65):
        _curve(img, _quad((x - .08, .25), (x, .18), (x + .08, .25)), .03)
    cv2.ellipse(img, _p(.5, .72), (int(.09 * S), int(.12 * S)), 0, 0, 360, DARK + (255,), -1, cv2.LINE_AA)
    return img


def fearful():
    img = _face(YELLOW)
    # blue forehead, like the classic "fearful" emoji
    top = img.copy()
    cv2.ellipse(top, _p(.5, .5), (int(.47 * S), int(.47 * S)), 0, 180, 360, (220, 160, 110, 255), -1, cv2.LINE_AA)
    mask = np.zeros((S, S), np.float32)
    mask[: int(.42 * S)] = np.linspace(.85, 0, int(.42 * S))[:, None]
    mask *= img[..., 3] / 255.0
    img[..., :3] = (img[..., :3] * (1 - mask[..., None]) + top[..., :3] * mask[..., None]).astype(np.uint8)
    _eyes(img, h=.07, w=.06, y=.45, pupils=True)
    for x, d in ((.35, 1), (.65, -1)):
        _curve(img, [(x - .08 * d, .33), (x + .07 * d, .28)], .03)
    cv2.ellipse(img, _p(.5, .74), (int(.14 * S), int(.08 * S)), 0, 0, 360, DARK + (255,), -1, cv2.LINE_AA)
    cv2.rectangle(img, _p(.40, .68), _p(.60, .71), WHITE + (255,), -1, cv2.LINE_AA)
    return img


def disgusted():
    img = _face((60, 200, 170))  # greenish yellow
    for x in (.35, .65):  # squeezed eyes
        _curve(img, [(x - .07, .38), (x + .07, .44), (x - .07, .48)] if x < .5 else
               [(x + .07, .38), (x - .07, .44), (x + .07, .48)], .035)
    wave = [(.28 + .44 * t, .74 + .03 * np.sin(t * 4 * np.pi)) for t in np.linspace(0, 1, 30)]
    _curve(img, wave, .04)
    _curve(img, [(.30, .72), (.26, .68)], .03)
    return img


def neutral():
    img = _face(YELLOW)
    _eyes(img, pupils=True)
    _curve(img, [(.33, .72), (.67, .72)], .045)
    return img


DRAWINGS = {"angry": angry, "disgusted": disgusted, "fearful": fearful, "happy": happy, "sad": sad,
            "surprised": surprised, "neutral": neutral}


def main(folder: Path = Path(__file__).resolve().parent) -> None:
    for name, draw in DRAWINGS.items():
        big = draw()
        small = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / f"{name}.png"), small)
        print("wrote", folder / f"{name}.png")


if __name__ == "__main__":
    main()
