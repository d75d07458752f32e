"""The modality table: facts, derived modalities and error messages."""
import dataclasses

import pytest

from mmfer.structures import codecs
from mmfer.structures.modalities import (MODALITIES, MODALITY_CHANNELS,
                                         PATH_KEYS, Modality, channel_names,
                                         channel_slices, check_modalities,
                                         get_modality, modality_channels,
                                         path_key, source_modality)


def test_table_facts():
    assert {'rgb', 'gray', 'lbp', 'depth', 'thermal', 'parsing'} <= set(
        MODALITIES)
    assert dict(MODALITY_CHANNELS) == {m.name: m.channels
                                       for m in MODALITIES.values()}
    assert MODALITY_CHANNELS['rgb'] == 3
    assert all(MODALITY_CHANNELS[m] == 1
               for m in ('gray', 'lbp', 'depth', 'thermal', 'parsing'))
    assert [path_key(m) for m in ('rgb', 'depth', 'thermal', 'parsing')] \
        == ['img_path', 'depth_path', 'thermal_path', 'parsing_path']
    assert PATH_KEYS == ('img_path', 'depth_path', 'thermal_path',
                         'parsing_path')  # distinct, stored ones only
    # every codec named in the table exists, with the right file dtype
    for m in MODALITIES.values():
        assert m.codec in codecs.CODECS
    assert codecs.get_codec(MODALITIES['depth'].codec).decode is \
        codecs.decode_depth
    assert codecs.get_codec(MODALITIES['thermal'].codec).dtype is \
        codecs.np.uint16
    # maps whose values must not be blended are resampled with nearest
    assert MODALITIES['depth'].interpolation == 'nearest'
    assert MODALITIES['parsing'].interpolation == 'nearest'
    assert MODALITIES['lbp'].interpolation == 'nearest'  # bit patterns
    assert MODALITIES['rgb'].interpolation == 'bilinear'


def test_derived_modalities():
    assert get_modality('gray').derived_from == 'rgb'
    assert get_modality('lbp').derived_from == 'gray'
    assert get_modality('gray').is_derived
    assert not get_modality('depth').is_derived
    # derived ones have no file of their own: they read their source's
    assert get_modality('lbp').path_key is None
    assert source_modality('lbp') == 'rgb'
    assert source_modality('depth') == 'depth'
    assert path_key('gray') == path_key('lbp') == 'img_path'


def test_channel_layout():
    names = ('rgb', 'depth', 'thermal')
    assert modality_channels(names) == 5
    assert modality_channels(('rgb', 'depth')) == 4
    assert channel_slices(names) == {
        'rgb': slice(0, 3), 'depth': slice(3, 4), 'thermal': slice(4, 5)}
    assert channel_names(names) == ('R', 'G', 'B', 'D', 'T')
    # gray is luminance, not a second 'G'
    assert channel_names(('rgb', 'gray')) == ('R', 'G', 'B', 'Y')


def test_unknown_and_bad_names():
    with pytest.raises(ValueError, match=r"Unknown modality 'ir'.*'rgb'"):
        get_modality('ir')
    with pytest.raises(ValueError, match='valid modalities'):
        path_key('ir')
    with pytest.raises(ValueError, match='valid modalities'):
        modality_channels(('rgb', 'ir'))
    with pytest.raises(ValueError, match=r"MCM: .*'thermal'.*got \('rgb', "
                       r"'rgb'\)"):
        check_modalities(('rgb', 'rgb'), 'MCM')
    with pytest.raises(ValueError, match='got \\(\\)'):
        check_modalities(())
    with pytest.raises(ValueError, match=r"\('rgb',\)"):
        check_modalities('rgb')
    assert check_modalities(['rgb', 'depth']) == ('rgb', 'depth')


def test_rows_are_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        MODALITIES['rgb'].channels = 4
    with pytest.raises(TypeError):
        MODALITIES['hog'] = MODALITIES['gray']  # read-only mapping
    with pytest.raises(ValueError, match='2 channels but names'):
        Modality('x', 2, ('a', ), 'image_u8', path_key='x_path')
    with pytest.raises(ValueError, match='exactly one of'):
        Modality('x', 1, ('a', ), 'image_u8')
    with pytest.raises(ValueError, match='unknown codec'):
        Modality('x', 1, ('a', ), 'png', path_key='x_path')
    # room for a derived multi-channel row such as HOG
    hog = Modality('hog', 2, ('H0', 'H1'), 'image_u8', derived_from='gray')
    assert hog.is_derived and hog.path_key is None
