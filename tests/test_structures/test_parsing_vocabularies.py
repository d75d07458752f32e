"""Parsing vocabularies and EMPD's S_exp (Eq. 5) class mapping."""
import pytest

from mmfer.structures.parsing import (CELEBAMASK_HQ_CLASSES,
                                      CELEBAMASK_HQ_PARTS, ESGM_GROUP_NAMES,
                                      EXPRESSION_GROUPS,
                                      SYNTHFACE_PARSING_CLASSES,
                                      expression_indicator_classes,
                                      parsing_classes)


def names(vocab, ids):
    return {parsing_classes(vocab)[i] for i in ids}


def test_vocabularies_are_the_documented_orders():
    # DATASETS.md: 0 bg, 1 skin, 2 nose, 3 eye_g, 4 l_eye, ... 18 cloth
    assert CELEBAMASK_HQ_CLASSES[:6] == ('background', 'skin', 'nose', 'eye_g',
                                         'l_eye', 'r_eye')
    assert CELEBAMASK_HQ_CLASSES[18] == 'cloth'
    assert len(CELEBAMASK_HQ_CLASSES) == 19 == len(CELEBAMASK_HQ_PARTS) + 1
    assert parsing_classes('synthface') == SYNTHFACE_PARSING_CLASSES
    assert SYNTHFACE_PARSING_CLASSES[9] == 'inner_mouth'


def test_one_source_of_truth_for_datasets_and_models():
    from mmfer.datasets.synthface.constants import ESGM_GROUPS, \
        PARSING_CLASSES
    from mmfer.datasets.transforms import parsing as t
    assert PARSING_CLASSES is SYNTHFACE_PARSING_CLASSES
    assert ESGM_GROUPS is EXPRESSION_GROUPS['synthface']
    assert t.CELEBAMASK_HQ_CLASSES is CELEBAMASK_HQ_CLASSES


def test_celebamask_hq_mapping_of_the_six_groups():
    ids = expression_indicator_classes('celebamask_hq')
    assert ids == (1, 2, 4, 5, 6, 7, 10, 11, 12)
    assert names('celebamask_hq', ids) == {
        'skin', 'nose', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'mouth', 'u_lip',
        'l_lip'
    }
    # eyeglasses, ears, hair, hat, earring, necklace, neck, cloth: no group
    assert 3 not in ids and not {8, 9, 13, 14, 15, 16, 17, 18} & set(ids)
    assert names('celebamask_hq',
                 expression_indicator_classes(
                     'celebamask_hq', ('eye', ))) == {'l_eye', 'r_eye'}
    assert names(
        'celebamask_hq',
        expression_indicator_classes(
            'celebamask_hq', ('lip', 'mouth'))) == {'u_lip', 'l_lip', 'mouth'}


def test_synthface_mapping_excludes_hair_glasses_background():
    ids = expression_indicator_classes('synthface')
    assert names('synthface', ids) == set(SYNTHFACE_PARSING_CLASSES) - {
        'background', 'hair', 'glasses'
    }
    assert expression_indicator_classes('synthface', ('mouth', )) == (9, )
    assert ESGM_GROUP_NAMES == ('nose', 'eye', 'brow', 'mouth', 'lip', 'skin')


def test_list_vocabularies():
    # a list equal to a named vocabulary uses that vocabulary's groups
    assert expression_indicator_classes(list(CELEBAMASK_HQ_CLASSES)) == \
        expression_indicator_classes('celebamask_hq')
    custom = ('bg', 'face', 'eyes', 'mouth')
    # custom vocabularies: groups are class names ...
    assert expression_indicator_classes(custom, ('face', 'mouth')) == (1, 3)
    # ... or an explicit mapping
    assert expression_indicator_classes(custom, {
        'eye': ('eyes', ),
        'skin': ('face', )
    }) == (1, 2)


def test_bad_vocabularies_and_groups_name_the_fix():
    with pytest.raises(ValueError, match="'celebamask_hq'"):
        parsing_classes('celebamask')
    with pytest.raises(ValueError, match='distinct'):
        parsing_classes(['a', 'a'])
    with pytest.raises(ValueError, match='pass groups as a dict'):
        expression_indicator_classes(('bg', 'face'))  # no 'nose' class
    with pytest.raises(ValueError, match='not in the vocabulary'):
        expression_indicator_classes('synthface', {'eye': ('l_eye', )})
    with pytest.raises(ValueError, match='groups is empty'):
        expression_indicator_classes('synthface', ())
