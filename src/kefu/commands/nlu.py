"""`kefu nlu`: train, evaluate and try the Chinese message understanding models."""

from __future__ import annotations

import json

import typer

nlu_app = typer.Typer(help="Chinese message understanding: intent, emotion, entities, PII masking",
                      no_args_is_help=True)


@nlu_app.command("train")
def train(intents: str = typer.Option(None, "--intents", help='extra labeled lines, JSONL {"text","label"}')) -> None:
    """Train the intent, emotion and polarity models and write them to src/kefu/nlu/models/."""
    from kefu.nlu import jobs

    try:
        jobs.train(intents, echo=typer.echo)
    except jobs.DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@nlu_app.command("eval")
def evaluate(kind: str = typer.Argument(..., help="intent | emotion | polarity"),
             file: str = typer.Argument(..., help='JSONL lines {"text","label"}'),
             as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
             no_baseline: bool = typer.Option(False, "--no-baseline", help="skip the TF-IDF baseline")) -> None:
    """Score the models on a labeled file, beside a char n-gram TF-IDF + logistic-regression baseline."""
    from kefu.nlu import jobs, service

    try:
        result = jobs.evaluate(kind, file, with_baseline=not no_baseline)
    except (jobs.DataError, service.ModelMissing) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(jobs.summary(kind, result)))
    else:
        typer.echo(jobs.report_text(kind, result))


@nlu_app.command("predict")
def predict(text: str = typer.Argument(..., help="a buyer message"),
            context: list[str] = typer.Option(None, "--context", help="an earlier buyer message (repeatable)")) -> None:
    """Print the full analysis of one message as JSON."""
    from kefu.nlu import service

    try:
        result = service.analyze(text, context=context or None)
    except service.ModelMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


@nlu_app.command("devset")
def devset(out: str = typer.Argument(..., help="where to write the {text,label} JSONL"),
           dialogues: str = typer.Option("../shared/data/jd_dialogues_dev.jsonl", help="JD dialogue sessions"),
           labels: str = typer.Option("tests/nlu/data/jd_intent_labels.jsonl", help="hand labels JSONL"),
           ) -> None:
    """Build the intent dev file: the project's hand labels joined with the sessions' opening requests."""
    from pathlib import Path

    from kefu.nlu import jobs

    for p in (dialogues, labels):
        if not Path(p).is_file():
            typer.echo(f"skipped: {p} not found (the shared development data is not on this machine)", err=True)
            raise typer.Exit(3)
    n = jobs.build_jd_intent_dev(dialogues, labels, out)
    typer.echo(f"{n} labeled opening requests written to {out}")
