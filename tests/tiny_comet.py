"""Build small, randomly initialised COMET checkpoints offline, for tests.

A SentencePiece unigram tokenizer trained on the bundled test set, an XLM-R
encoder of a few layers with random weights, wrapped by unbabel-comet's own
model classes (``load_pretrained_weights=False``) and saved as COMET saves
models: ``checkpoints/model.ckpt`` beside ``hparams.yaml``. Their scores are
meaningless as quality judgements; they exist to check that mt-eval drives
unbabel-comet exactly as unbabel-comet drives itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import yaml

IDENTIFIERS = {"RegressionMetric": "regression_metric", "ReferencelessRegression": "referenceless_regression_metric"}


def build_encoder(folder: Path, lines: Iterable[str], hidden: int = 32, layers: int = 2, heads: int = 2) -> Path:
    from tokenizers import SentencePieceUnigramTokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import XLMRobertaConfig, XLMRobertaTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # XLM-R's ids 0..4
    trainer = SentencePieceUnigramTokenizer()
    trainer.train_from_iterator(list(lines), vocab_size=800, special_tokens=specials, unk_token="<unk>", show_progress=False)
    trainer.post_processor = TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tokenizer = XLMRobertaTokenizerFast(
        tokenizer_object=trainer, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
    )
    tokenizer.save_pretrained(str(folder))
    XLMRobertaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=hidden * 2, max_position_embeddings=514, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        type_vocab_size=1,
    ).save_pretrained(str(folder))
    return folder


def build_checkpoint(folder: Path, encoder: Path, referenceless: bool = False, seed: int = 0) -> Path:
    import pytorch_lightning as pl
    import torch
    from comet.models import ReferencelessRegression, RegressionMetric

    torch.manual_seed(seed)
    cls = ReferencelessRegression if referenceless else RegressionMetric
    model = cls(
        pretrained_model=str(encoder), encoder_model="XLM-RoBERTa", load_pretrained_weights=False,
        pool="avg", layer="mix", layer_transformation="sparsemax", hidden_sizes=[64], dropout=0.1,
    )
    checkpoint = folder / "checkpoints" / "model.ckpt"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    hparams = dict(model.hparams)
    torch.save({"state_dict": model.state_dict(), "hyper_parameters": hparams, "pytorch-lightning_version": pl.__version__,
                "epoch": 0, "global_step": 0}, checkpoint)
    (folder / "hparams.yaml").write_text(yaml.safe_dump({**hparams, "class_identifier": IDENTIFIERS[cls.__name__]}))
    return checkpoint
