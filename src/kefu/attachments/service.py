"""Verbs on attachments: store an upload, link it to a chat message or a ticket note, decide who may read it.

Files live under the data dir: ``<data_dir>/attachments/<shop_id>/<key>`` (the cleaned image) and
``<key>.thumb`` (a WebP thumbnail), named by the attachment's random key. Several instances must share that
directory (a common volume), as they share the database. An upload no message or ticket note carries within
UNSENT_HOURS is deleted by a timer (kefu.attachments.jobs).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.attachments import rules
from kefu.attachments.models import Attachment
from kefu.conversations.models import Conversation, Message
from kefu.core import scheduler
from kefu.core.clock import now
from kefu.core.config import private_dir, private_file
from kefu.core.errors import Conflict, NotFound
from kefu.customers.models import Customer
from kefu.tickets.models import Ticket, TicketNote

NOT_FOUND = ("图片不存在或无权查看", "Image not found")
ALREADY_SENT = ("这张图片已经发送过了", "This image was already sent")
UNSENT_TIMER = "attachments.unsent"
UNSENT_HOURS = 24
_roots: dict[str, Path] = {}  # this process's files root, from its settings (configure)


def files_root(data_dir: Path) -> Path:
    return Path(data_dir) / "attachments"


def configure(data_dir: Path) -> None:
    """Where this process keeps attachment files (the timer that deletes unsent uploads has no request)."""
    _roots["files"] = files_root(data_dir)


def path_of(root: Path, att: Attachment, *, thumb: bool = False) -> Path:
    return root / str(att.shop_id) / (f"{att.key}.thumb" if thumb else att.key)


def meta(att: Attachment) -> dict:
    """What a message keeps of its attachment (the attachment never changes, so a copy stays true)."""
    return {"id": att.key, "kind": att.kind, "mime": att.mime, "size": att.size, "width": att.width,
            "height": att.height, "thumb_width": att.thumb_width, "thumb_height": att.thumb_height}


def _write(folder: Path, name: str, data: bytes) -> None:
    private_dir(folder)
    tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    private_file(tmp, data)
    os.replace(tmp, folder / name)


async def check_buyer_rate(session: AsyncSession, customer: Customer) -> None:
    """Refuse a buyer's upload past the hourly allowance (asked before the body is read)."""
    count = await session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.customer_id == customer.id, Attachment.created_at > now() - timedelta(hours=1)))
    rules.check_upload_rate(count or 0)


async def store_image(session: AsyncSession, root: Path, shop_id: int, data: bytes, *,
                      customer: Customer | None = None, agent: Agent | None = None) -> Attachment:
    """Verify and clean an uploaded image (in a worker thread: decoding takes a few dozen ms), write it and
    its thumbnail, and record it for the uploader (a buyer or an agent) of the shop."""
    image = await asyncio.to_thread(rules.process, data)
    key = secrets.token_urlsafe(24)
    folder = root / str(shop_id)
    await asyncio.to_thread(_write, folder, key, image.data)
    await asyncio.to_thread(_write, folder, f"{key}.thumb", image.thumb)
    att = Attachment(key=key, shop_id=shop_id, kind="image", mime=image.mime, size=len(image.data),
                     width=image.width, height=image.height, thumb_width=image.thumb_width,
                     thumb_height=image.thumb_height, uploader="buyer" if customer else "agent",
                     customer_id=customer.id if customer else None, agent_id=agent.id if agent else None)
    session.add(att)
    await session.flush()
    await scheduler.schedule(session, shop_id, UNSENT_TIMER, now() + timedelta(hours=UNSENT_HOURS),
                             key=f"attachment:{att.id}", payload={"attachment_id": att.id})
    return att


async def drop_if_unsent(session: AsyncSession, attachment_id: int) -> bool:
    """Delete an upload that no message or ticket note carries (row, then files). Returns whether it was deleted."""
    att = await session.get(Attachment, attachment_id, with_for_update=True)
    if att is None or _linked(att):
        return False
    await remove(session, att)
    return True


async def remove(session: AsyncSession, att: Attachment) -> None:
    """Delete an attachment's row and its files (an unsent upload, or a buyer's image under the shop's
    retention rule or their erasure)."""
    await session.delete(att)
    await session.flush()
    root = _roots.get("files")
    if root is not None:
        for thumb in (False, True):
            await asyncio.to_thread(path_of(root, att, thumb=thumb).unlink, missing_ok=True)


async def _by_key(session: AsyncSession, shop_id: int, key: object, *, for_update: bool = False) -> Attachment:
    stmt = select(Attachment).where(Attachment.key == rules.clean_key(key), Attachment.shop_id == shop_id)
    att = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if att is None:
        raise NotFound(*NOT_FOUND, code="attachment_not_found")
    return att


def _linked(att: Attachment) -> bool:
    return att.message_id is not None or att.ticket_note_id is not None


async def _claim(session: AsyncSession, shop_id: int, key: object, customer: Customer | None, agent: Agent | None,
                 *, any_agent: bool = False) -> Attachment:
    """An upload of this shop about to be carried: the buyer's own, or an agent's (the same agent's unless
    ``any_agent``), linked to nothing yet. Anyone else's reads as not found."""
    att = await _by_key(session, shop_id, key, for_update=True)
    mine = (att.uploader == "buyer" and customer is not None and att.customer_id == customer.id) or \
           (att.uploader == "agent" and agent is not None and (any_agent or att.agent_id == agent.id))
    if not mine:
        raise NotFound(*NOT_FOUND, code="attachment_not_found")
    if _linked(att):
        raise Conflict(*ALREADY_SENT, code="attachment_already_sent")
    return att


async def claim_for_message(session: AsyncSession, shop_id: int, key: object, *,
                            customer: Customer | None = None, agent: Agent | None = None) -> Attachment:
    """The attachment a new message is about to carry: the sender's own upload in this shop, not yet sent."""
    return await _claim(session, shop_id, key, customer, agent)


async def claim_for_ticket_note(session: AsyncSession, note: TicketNote, keys: list[str], *,
                                customer: Customer | None = None, agent: Agent | None = None) -> list[Attachment]:
    """Link a new ticket note's images (up to rules.MAX_PER_NOTE): the buyer's own uploads for their message,
    uploads by the shop's agents for a reply or an internal note; none may be carried by anything yet. Called
    in the note's transaction: a bad key raises, and the note is not stored either."""
    keys = list(dict.fromkeys(keys))
    rules.check_note_count(len(keys))
    claimed = []
    for key in keys:
        att = await _claim(session, note.shop_id, key, customer, agent, any_agent=True)
        att.ticket_note_id = note.id
        claimed.append(att)
    await session.flush()
    return claimed


async def for_ticket_notes(session: AsyncSession, note_ids: list[int]) -> dict[int, list[dict]]:
    """The images of these ticket notes as the API shows them (metadata and URLs), by note id, in upload order."""
    if not note_ids:
        return {}
    rows = (await session.scalars(select(Attachment).where(Attachment.ticket_note_id.in_(note_ids))
                                  .order_by(Attachment.id))).all()
    out: dict[int, list[dict]] = {}
    for att in rows:
        out.setdefault(att.ticket_note_id, []).append(rules.public(meta(att)))
    return out


async def readable_by_agent(session: AsyncSession, agent: Agent, key: object) -> Attachment:
    """Every agent of the shop may see the shop's attachments; other shops' agents find nothing."""
    return await _by_key(session, agent.shop_id, key)


async def readable_by_buyer(session: AsyncSession, customer: Customer, key: object) -> Attachment:
    """A buyer sees their own uploads, the images sent in their conversations (never in a private note) and
    those on the replies of their own tickets (never on an internal note)."""
    att = await _by_key(session, customer.shop_id, key)
    if att.uploader == "buyer" and att.customer_id == customer.id:
        return att
    carriers = (  # what carries it -> whose it is, when the buyer may see it
        (att.message_id, select(Conversation.customer_id).join(Message, Message.conversation_id == Conversation.id)
         .where(Message.id == att.message_id, Message.private.is_(False))),
        (att.ticket_note_id, select(Ticket.customer_id).join(TicketNote, TicketNote.ticket_id == Ticket.id)
         .where(TicketNote.id == att.ticket_note_id, TicketNote.internal.is_(False))),
    )
    for carrier_id, owner in carriers:
        if carrier_id is not None and await session.scalar(owner) == customer.id:
            return att
    raise NotFound(*NOT_FOUND, code="attachment_not_found")
