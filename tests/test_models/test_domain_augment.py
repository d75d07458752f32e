"""GaussianBlurDomainAugment: EMPD's single-source x_a (Sec. III-B,
Algorithm 1): originals first (domain 0), blurred copies after (domain 1),
blur lowers high-frequency energy and keeps the mean."""
import pytest
import torch

from mmfer.models.data_preprocessors import (FERDataPreprocessor,
                                             GaussianBlurDomainAugment)
from mmfer.models.data_preprocessors.domain_augment import (gaussian_blur,
                                                            gaussian_kernels)
from mmfer.structures import FERDataSample


def high_freq_energy(x):
    """Energy of the horizontal + vertical pixel differences."""
    return ((x[..., 1:, :] - x[..., :-1, :])**2).mean() + (
        (x[..., :, 1:] - x[..., :, :-1])**2).mean()


def test_kernel_is_normalised_gaussian():
    k = gaussian_kernels(torch.tensor([1.0]), 5)[0]
    r = torch.arange(5.) - 2
    expected = torch.exp(-r**2 / 2)
    torch.testing.assert_close(k, expected / expected.sum())


def test_blur_lowers_high_frequencies_and_keeps_constant_images():
    torch.manual_seed(0)
    noise = torch.rand(2, 3, 32, 32)
    blurred = gaussian_blur(noise, torch.tensor([1.0, 2.0]), 9)
    assert blurred.shape == noise.shape
    assert high_freq_energy(blurred[0]) < 0.2 * high_freq_energy(noise[0])
    # larger sigma blurs more
    assert high_freq_energy(blurred[1]) < high_freq_energy(blurred[0])
    const = torch.full((1, 1, 16, 16), 0.7)
    torch.testing.assert_close(
        gaussian_blur(const, torch.tensor([2.0]), 7), const)


def test_copies_appended_and_flagged_caller_samples_untouched():
    torch.manual_seed(0)
    aug = GaussianBlurDomainAugment(kernel_size=7, sigma=(1.5, 2.5))
    imgs = torch.rand(4, 3, 32, 32)
    samples = [FERDataSample().set_gt_label(i) for i in range(4)]
    out, out_samples = aug(imgs, samples)
    assert out.shape == (8, 3, 32, 32)
    torch.testing.assert_close(out[:4], imgs, rtol=0, atol=0)
    assert high_freq_energy(out[4:]) < 0.3 * high_freq_energy(imgs)
    assert [s.domain_augmented for s in out_samples] == [False] * 4 + [True
                                                                       ] * 4
    # x_a keeps y_e: copy k is sample k's blurred image with its label
    assert [int(s.gt_label) for s in out_samples] == [0, 1, 2, 3] * 2
    assert all('domain_augmented' not in s for s in samples)


def test_prob_selects_a_subset():
    aug = GaussianBlurDomainAugment(kernel_size=5, prob=0.5)
    torch.manual_seed(1)
    x_a, index = aug.augment(torch.rand(64, 1, 16, 16))
    assert 16 < len(index) < 48 and x_a.shape[0] == len(index)


def test_works_as_preprocessor_batch_augment_in_training_only():
    pre = FERDataPreprocessor(
        batch_augments=[dict(type='GaussianBlurDomainAugment', kernel_size=5)])
    data = dict(inputs=[torch.rand(3, 16, 16) for _ in range(2)],
                data_samples=[FERDataSample() for _ in range(2)])
    assert pre(data, training=True)['inputs'].shape == (4, 3, 16, 16)
    assert pre(data, training=False)['inputs'].shape == (2, 3, 16, 16)


def test_bad_arguments():
    with pytest.raises(ValueError, match='odd integer'):
        GaussianBlurDomainAugment(kernel_size=4)
    with pytest.raises(ValueError, match='0 < low <= high'):
        GaussianBlurDomainAugment(sigma=(2.0, 1.0))
    with pytest.raises(ValueError, match='too large'):
        GaussianBlurDomainAugment(kernel_size=21).augment(
            torch.rand(1, 3, 8, 8))
    assert 'kernel_size=9' in repr(GaussianBlurDomainAugment())
