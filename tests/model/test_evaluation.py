"""emojify_lib.model.evaluation on small hand-computed cases and an untrained classic CNN."""
import numpy as np
import pytest

from emojify_lib.model import evaluation as ev


def test_confusion_matrix_by_hand():
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 2]
    cm = ev.confusion_matrix(y_true, y_pred, n=3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    assert cm.sum() == 6
    assert ev.confusion_matrix([], [], n=3).tolist() == [[0] * 3] * 3
    assert ev.confusion_matrix([6], [3]).shape == (7, 7)
    with pytest.raises(ValueError, match="labels"):
        ev.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="outside"):
        ev.confusion_matrix([0, 7], [0, 1])


def test_per_class_report_by_hand():
    rep = ev.per_class_report([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2], n=3)
    # precision = diag / column sums, recall = diag / row sums
    np.testing.assert_allclose(rep["precision"], [1 / 1, 2 / 3, 1 / 2])
    np.testing.assert_allclose(rep["recall"], [1 / 2, 2 / 3, 1 / 1])
    np.testing.assert_allclose(rep["f1"], [2 / 3, 2 / 3, 2 / 3])
    assert rep["support"].tolist() == [2, 3, 1]
    assert rep["accuracy"] == pytest.approx(4 / 6)
    assert rep["macro_recall"] == pytest.approx((0.5 + 2 / 3 + 1) / 3)
    assert rep["macro_f1"] == pytest.approx(2 / 3)


def test_report_never_predicted_class_is_zero_not_nan():
    rep = ev.per_class_report([0, 1, 2], [0, 0, 0], n=3)
    assert rep["precision"].tolist() == [1 / 3, 0.0, 0.0]
    assert rep["f1"][1] == 0.0 and np.isfinite(rep["f1"]).all()


def test_format_report_lists_every_class():
    rep = ev.per_class_report([0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 0])
    text = ev.format_report(rep)
    for name in ("Angry", "Disgusted", "Neutral", "macro avg", "accuracy"):
        assert name in text
    assert "0.857" in text  # 6 of 7 right


def test_most_confident_mistakes_order():
    probs = np.array([[0.9, 0.1],    # right
                      [0.2, 0.8],    # wrong, 0.8
                      [0.6, 0.4],    # wrong, 0.6
                      [0.05, 0.95],  # wrong, 0.95
                      [0.3, 0.7]])   # right
    y = np.array([0, 0, 1, 0, 1])
    assert ev.most_confident_mistakes(probs, y, k=10).tolist() == [3, 1, 2]
    assert ev.most_confident_mistakes(probs, y, k=2).tolist() == [3, 1]
    assert ev.most_confident_mistakes(probs[[0, 4]], y[[0, 4]]).size == 0


def test_overlay_heatmap_shape_and_range():
    face = np.full((48, 48), 100, np.uint8)
    heat = np.zeros((48, 48), np.float32)
    heat[10:20, 10:20] = 1
    rgb = ev.overlay_heatmap(face, heat)
    assert rgb.shape == (48, 48, 3) and rgb.dtype == np.uint8
    assert rgb[15, 15, 0] > rgb[15, 15, 2]    # hot = red
    assert rgb[40, 40, 2] > rgb[40, 40, 0]    # cold = blue
    with pytest.raises(ValueError):
        ev.overlay_heatmap(face, heat[:10])


@pytest.fixture(scope="module")
def faces():
    return np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)


def test_predict_probs_batches_match_one_call(classic_model, faces):
    probs = ev.predict_probs(classic_model, faces, batch_size=2)
    assert probs.shape == (5, 7) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(probs, ev.predict_probs(classic_model, faces), atol=1e-6)
    assert ev.predict_probs(classic_model, faces[:0]).shape == (0, 7)


def test_saliency_map(classic_model, faces):
    sal = ev.saliency_map(classic_model, faces[0])
    assert sal.shape == (48, 48) and sal.dtype == np.float32
    assert np.isfinite(sal).all() and (sal >= 0).all() and sal.std() > 0


def test_grad_cam_sequential_and_functional(classic_model, faces):
    cam = ev.grad_cam(classic_model, faces[0])
    assert cam.shape == (48, 48) and np.isfinite(cam).all()
    assert cam.min() >= 0 and cam.max() == pytest.approx(1.0) and cam.std() > 0
    assert ev.grad_cam(classic_model, faces[1], layer_name="conv3").shape == (48, 48)
    with pytest.raises(ValueError, match="no layer named"):
        ev.grad_cam(classic_model, faces[0], layer_name="nope")

    import keras
    from keras import layers
    inputs = keras.Input((48, 48, 1))
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.Conv2D(4, 3, activation="relu", name="c1")(x)
    x = layers.GlobalAveragePooling2D()(x)
    functional = keras.Model(inputs, layers.Dense(7, activation="softmax")(x))
    cam = ev.grad_cam(functional, faces[2])
    assert cam.shape == (48, 48) and np.isfinite(cam).all() and 0 <= cam.min() <= cam.max() <= 1


def test_recall_and_precision_by_hand():
    cm = np.array([[1, 1, 0], [0, 2, 1], [0, 0, 0]])
    np.testing.assert_allclose(ev.recall(cm), [1 / 2, 2 / 3, 0])          # empty row: 0, not NaN
    np.testing.assert_allclose(ev.precision(cm), [1, 2 / 3, 0])           # column 2 holds no right answer


def test_gradcam_heatmap_by_hand():
    maps = np.zeros((2, 2, 2), np.float32)
    maps[0, 0] = [1, 0]
    maps[1, 1] = [0, 2]
    grads = np.zeros_like(maps)
    grads[..., 0] = 4.0        # channel 0 speaks for the class: alpha_0 = 4
    grads[..., 1] = -1.0       # channel 1 against it: alpha_1 = -1
    np.testing.assert_allclose(ev.gradcam_heatmap(maps, grads), [[1, 0], [0, 0]])   # -2 at [1, 1] → ReLU → 0
    np.testing.assert_allclose(ev.gradcam_heatmap(maps, -grads), [[0, 0], [0, 1]])   # the other way round
    assert not ev.gradcam_heatmap(maps, np.full_like(maps, -1)).any()    # nothing for the class: zeros, no NaN
    with pytest.raises(ValueError, match="h, w, channels"):
        ev.gradcam_heatmap(maps[0], grads[0])


def test_maps_and_gradients_match_grad_cam(classic_model, faces):
    maps, grads = ev.maps_and_gradients(classic_model, faces[0], "conv4", class_index=2)
    assert maps.shape == grads.shape == (8, 8, 128) and maps.dtype == grads.dtype == np.float32
    assert np.abs(grads).max() > 0
    import cv2
    cam = cv2.resize(ev.gradcam_heatmap(maps, grads), (48, 48), interpolation=cv2.INTER_LINEAR)
    want = ev.grad_cam(classic_model, faces[0], "conv4", class_index=2)
    np.testing.assert_allclose(cam / cam.max() if cam.max() > 0 else cam, want, atol=1e-6)
