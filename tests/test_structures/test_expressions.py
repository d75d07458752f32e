"""The expression vocabulary: aliases, dataset orders, cross-dataset maps."""
import numpy as np
import pytest

from mmfer.structures.expressions import (BASIC_EXPRESSIONS, DATASET_CLASSES,
                                          EXPRESSION_ALIASES, EXPRESSIONS,
                                          UNMAPPED, canonical_classes,
                                          canonical_expression,
                                          dataset_classes, label_mapping,
                                          map_labels)


@pytest.mark.parametrize('alias, name', [
    ('happy', 'happiness'), ('Happy', 'happiness'), ('HAPPINESS', 'happiness'),
    ('angry', 'anger'), ('Angry ', 'anger'), ('sad', 'sadness'),
    ('surprised', 'surprise'), ('Surprise', 'surprise'), ('fearful', 'fear'),
    ('disgusted', 'disgust'), ('contemptuous', 'contempt'),
    ('Neutral', 'neutral'), ('HA', 'happiness'), ('su', 'surprise'),
    ('NE', 'neutral'), ('helpless', 'helplessness'),
    ('Disappointment', 'disappointment'), ('anxious', 'anxiety')
])
def test_aliases_are_case_insensitive(alias, name):
    assert canonical_expression(alias) == name


def test_canonical_order_and_tables_are_consistent():
    assert EXPRESSIONS[:8] == ('neutral', 'happiness', 'sadness', 'surprise',
                               'fear', 'disgust', 'anger', 'contempt')
    assert EXPRESSIONS[8:] == ('anxiety', 'helplessness', 'disappointment')
    assert set(BASIC_EXPRESSIONS) <= set(EXPRESSIONS)
    # every alias points at a canonical name, none shadows one
    assert set(EXPRESSION_ALIASES.values()) <= set(EXPRESSIONS)
    assert not set(EXPRESSION_ALIASES) & set(EXPRESSIONS)
    assert all(k == k.lower() for k in EXPRESSION_ALIASES)
    for name, classes in DATASET_CLASSES.items():
        assert canonical_classes(classes) == classes, name
        assert len(set(classes)) == len(classes), name
    # canonical names map to themselves
    assert [canonical_expression(n) for n in EXPRESSIONS] == list(EXPRESSIONS)


def test_published_orders():
    # DATASETS.md: DFEW 1 Happy 2 Sad 3 Neutral 4 Angry 5 Surprise 6 Disgust
    # 7 Fear; RAF-DB 1 Surprise ... 7 Neutral; FER2013 0 Angry ... 6 Neutral
    assert dataset_classes('DFEW') == canonical_classes(
        ['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear'])
    assert dataset_classes('rafdb') == canonical_classes(
        ['Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger',
         'Neutral'])
    assert dataset_classes('fer2013') == canonical_classes(
        ['Angry', 'Disgust', 'Fear', 'Happy', 'Sad', 'Surprise', 'Neutral'])
    assert dataset_classes('affectnet') == EXPRESSIONS[:8]
    assert dataset_classes('affectnet7') == EXPRESSIONS[:7]
    assert dataset_classes('ferplus') == canonical_classes(
        ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust',
         'fear', 'contempt'])
    # CK+ README: 0=neutral, 1=anger, 2=contempt, 3=disgust, 4=fear,
    # 5=happy, 6=sadness, 7=surprise
    assert dataset_classes('ckplus') == canonical_classes(
        ['neutral', 'anger', 'contempt', 'disgust', 'fear', 'happy',
         'sadness', 'surprise'])
    # BU-3DFE / Bosphorus: the six basic expressions (CM-CNN)
    for name in ('bu3dfe', 'bosphorus'):
        assert sorted(dataset_classes(name)) == sorted(BASIC_EXPRESSIONS)
    # MAFW: both published orders hold the same 11 classes
    assert sorted(dataset_classes('mafw')) == sorted(EXPRESSIONS)
    assert sorted(dataset_classes('mafw_hicmae')) == sorted(EXPRESSIONS)
    assert dataset_classes('mafw_hicmae')[:3] == ('anger', 'disgust', 'fear')


def test_synthface_renderer_and_layouts_use_the_same_names():
    from mmfer.datasets.synthface import EXPRESSIONS as SF
    from mmfer.datasets.synthface import EXTENDED_EXPRESSIONS
    from mmfer.datasets.synthface.layouts.dfew import DFEW_LABELS
    assert tuple(SF) == dataset_classes('synthface')
    assert canonical_classes(EXTENDED_EXPRESSIONS) == tuple(
        EXTENDED_EXPRESSIONS)
    # the SynthFace DFEW layout writes label k for DFEW's class k - 1
    assert tuple(DFEW_LABELS[k]
                 for k in sorted(DFEW_LABELS)) == dataset_classes('dfew')


def test_mapping_between_index_spaces_goes_by_name():
    src, tgt = dataset_classes('dfew'), dataset_classes('synthface')
    mapping = label_mapping('dfew', 'synthface')
    assert sorted(mapping) == list(range(7))  # a permutation
    for i, j in enumerate(mapping):
        assert src[i] == tgt[j]
    # round trip
    back = label_mapping('synthface', 'dfew')
    assert [back[j] for j in mapping] == list(range(7))
    labels = np.array([[0, 3], [6, 2]])
    out = map_labels(labels, 'dfew', 'synthface')
    assert out.shape == (2, 2) and out.dtype == np.int64
    assert out.tolist() == [[mapping[0], mapping[3]], [mapping[6], mapping[2]]]
    # class-name lists in any spelling work as label spaces
    assert label_mapping(['Happy', 'Angry'],
                         ['anger', 'neutral', 'happiness']) == [2, 0]


def test_classes_the_target_lacks_error_or_map_to_unmapped():
    with pytest.raises(ValueError, match=r"lack.*'contempt', 'anxiety'"):
        label_mapping('mafw', 'dfew')
    mapping = label_mapping('mafw', 'dfew', missing='unmapped')
    assert mapping[:7] == list(range(7)) and mapping[7:] == [UNMAPPED] * 4
    # map_labels only fails for classes that actually occur
    assert map_labels([0, 3, 6], 'mafw', 'dfew').tolist() == [0, 3, 6]
    with pytest.raises(ValueError, match=r"lack \['contempt'\]"):
        map_labels([0, 7], 'mafw', 'dfew')
    assert map_labels([0, 7], 'mafw', 'dfew',
                      missing='unmapped').tolist() == [0, UNMAPPED]
    # neutral is not one of BU-3DFE's six classes
    with pytest.raises(ValueError, match='neutral'):
        map_labels(dataset_classes('dfew').index('neutral'), 'dfew', 'bu3dfe')


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match='valid names are neutral, happiness'):
        canonical_expression('joyful')
    with pytest.raises(TypeError, match='must be a str'):
        canonical_expression(3)
    with pytest.raises(ValueError, match=r"name \['happiness'\] more than"):
        canonical_classes(['happy', 'happiness'])
    with pytest.raises(TypeError, match='sequence of names'):
        canonical_classes('happy')
    with pytest.raises(ValueError, match='known datasets: .*dfew'):
        dataset_classes('imagenet')
    with pytest.raises(ValueError, match="missing must be 'error' or"):
        label_mapping('dfew', 'mafw', missing='drop')
    with pytest.raises(ValueError, match=r'outside the source classes 0\.\.6'):
        map_labels([7], 'dfew', 'mafw')
