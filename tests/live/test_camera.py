"""Frame sources: real video files and image folders written by the tests, and sources that fail."""
import cv2
import numpy as np
import pytest

from emojify_lib.live.sources import (SAMPLE_VIDEO, SAMPLE_VIDEO_FRAMES, ImageFiles, OpenCVCamera, SyntheticFrames,
                                      VideoFile, list_cameras, open_source)
from emojify_lib.core.errors import CameraError, ImageError


def write_video(path, frames, fps=10):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def test_video_file_reads_every_frame_then_ends(tmp_path, astronaut_frame):
    path = write_video(tmp_path / "clip.avi", [astronaut_frame] * 5)
    with VideoFile(path) as video:
        frames = list(video)
        assert len(frames) == 5 and frames[0].shape == (480, 640, 3)
        assert video.read() is None
    assert video.closed
    with pytest.raises(CameraError, match="closed"):
        video.read()


def test_video_loop(tmp_path, astronaut_frame):
    with VideoFile(write_video(tmp_path / "clip.avi", [astronaut_frame] * 3), loop=True) as video:
        assert all(video.read() is not None for _ in range(8))


def test_video_errors(tmp_path):
    with pytest.raises(CameraError, match="not found"):
        VideoFile(tmp_path / "none.mp4")
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    with pytest.raises(CameraError, match="could not be read"):
        VideoFile(tmp_path / "bad.mp4")


def test_image_folder_skips_unreadable_files(tmp_path, astronaut_frame):
    cv2.imwrite(str(tmp_path / "a.png"), astronaut_frame)
    (tmp_path / "b.png").write_text("broken")
    cv2.imwrite(str(tmp_path / "c.jpg"), astronaut_frame)
    with pytest.warns(UserWarning, match="skipped unreadable"):
        with ImageFiles(tmp_path) as images:
            frames = list(images)
    assert len(frames) == 2 and images.skipped == 1 and images.closed
    assert len(list(ImageFiles([tmp_path / "a.png", str(tmp_path / "c.jpg")]))) == 2  # a list of paths works too
    (tmp_path / "empty").mkdir()
    with pytest.raises(CameraError, match="no images"):
        ImageFiles(tmp_path / "empty")
    with pytest.warns(UserWarning), pytest.raises(CameraError, match="none of the 1 image"):
        ImageFiles([tmp_path / "b.png"]).read()


def test_image_files_loop(tmp_path, astronaut_frame):
    cv2.imwrite(str(tmp_path / "a.png"), astronaut_frame)
    with ImageFiles(tmp_path, loop=True) as images:
        assert all(images.read().shape == (480, 640, 3) for _ in range(3)) and images.frames_read == 3


def test_missing_camera_explains_remote_kernels():
    with pytest.raises(CameraError, match="no camera at index 7.*browser-camera"):
        OpenCVCamera(7, capture_factory=lambda i: cv2.VideoCapture())  # an OpenCV capture that opened nothing


class FlakyCapture:
    """A capture device that delivers ``good`` frames and then nothing (unplugged) or an exception."""

    def __init__(self, good, frame, explode=False):
        self.good, self.frame, self.explode, self.released = good, frame, explode, False

    def isOpened(self):
        return True

    def set(self, *args):
        return True

    def read(self):
        if self.good > 0:
            self.good -= 1
            return True, self.frame.copy()
        if self.explode:
            raise OSError("device disconnected")
        return False, None

    def release(self):
        self.released = True


@pytest.mark.parametrize("explode,message", [(False, "camera lost"), (True, "failed while reading")])
def test_camera_lost_mid_stream_is_reported_and_released(astronaut_frame, explode, message):
    device = FlakyCapture(3, astronaut_frame, explode)
    with pytest.raises(CameraError, match=message):
        with OpenCVCamera(0, capture_factory=lambda i: device, max_failures=4) as cam:
            for _ in range(10):
                cam.read()
    assert device.released and cam.closed and cam.frames_read == 3


def test_synthetic_frames(astronaut_frame):
    def failing():
        yield astronaut_frame
        raise RuntimeError("sensor overheated")

    with SyntheticFrames(failing()) as source:
        assert source.read() is not None
        with pytest.raises(CameraError, match="sensor overheated"):
            source.read()
    looped = SyntheticFrames([astronaut_frame], loop=True)
    assert all(looped.read() is not None for _ in range(3))
    with pytest.raises(ImageError, match="None"):
        SyntheticFrames([None]).read()


def test_list_cameras_on_a_machine_without_cameras():
    assert isinstance(list_cameras(2), list)


def test_open_source_is_the_one_way_apps_open_what_the_user_chose(tmp_path, astronaut_frame):
    clip = write_video(tmp_path / "clip.avi", [astronaut_frame] * 3)
    with open_source(clip) as video:  # a path: a video file, played once
        assert isinstance(video, VideoFile) and len(list(video)) == 3
    with open_source(str(clip), loop=True) as video:
        assert all(video.read() is not None for _ in range(5))
    with open_source(SAMPLE_VIDEO) as sample:  # the built-in sample video, once or in a loop
        assert sample.name == SAMPLE_VIDEO and len(list(sample)) == SAMPLE_VIDEO_FRAMES
    with open_source(SAMPLE_VIDEO, loop=True) as sample:
        assert all(sample.read() is not None for _ in range(SAMPLE_VIDEO_FRAMES + 2))
    given = SyntheticFrames([astronaut_frame])
    assert open_source(given) is given and open_source(lambda: given) is given
    with pytest.raises(CameraError, match="no camera at index 7"):
        open_source(7)
    with pytest.raises(TypeError, match="camera index"):
        open_source(2.5)
