"""The demo's simulated colleagues: the demo agents nobody logs in as answer their buyers by themselves.

`kefu demo` (never `kefu serve`, never the tests unless a test starts it) runs one background task over the
demo shop. Every few seconds it

* keeps the simulated agents (data.SIMULATED) online: a sign of life through the same path a workspace uses
  (agents.service.seen → record_seen), so the silence check never sets them away; one found away or
  offline is set online again (a break is left to end by itself);
* answers each of their chats whose buyer has been waiting 20–60 s for a reply (a different delay per
  message), with the shop's reply templates: a greeting first, then the template of the chat's intent, only
  templates whose {fields} the conversation fills; after a few quiet minutes it says goodbye and closes;
* accepts, after 10–20 s, an escalation offered to a simulated senior (they have a minute to);
* leaves new buyers to people: while an agent played by a person (any demo login not simulated, serving in
  the workspace: online, seen within the silence, with a free seat) works a group, the simulated agents of
  that group take no new buyers (their seat limit is held at the chats they already have, so they stay
  online and finish those), and get their seats back when the person leaves.

At the start, the agents played by a person who are not at a keyboard (online in the demo data but silent)
are set away at once, as the silence check would do three minutes later: the first buyers go to simulated
colleagues, or to the person who logs in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents import service as agents
from kefu.agents.models import Agent
from kefu.agents.rules import ROUTABLE_ROLES
from kefu.conversations import service as chat
from kefu.conversations.models import Conversation, Message
from kefu.core import events
from kefu.core.clock import as_utc, now
from kefu.core.db import Database
from kefu.demo.data import AGENTS, SIMULATED
from kefu.handoffs import service as handoffs
from kefu.handoffs.models import Handoff
from kefu.knowledge import service as kb
from kefu.routing import service as routing
from kefu.routing.rules import DEFAULT as POLICY
from kefu.shops.models import Shop
from kefu.shops.rules import DEMO_SLUG

log = logging.getLogger(__name__)
SCENE_OF_INTENT = {
    "logistics": "logistics", "return": "return_policy", "exchange": "exchange_policy", "refund": "refund_progress",
    "invoice": "invoice", "presale": "presale", "complaint": "complaint", "quality": "apology",
    "wrong_item": "apology", "price": "please_wait", "order_change": "please_wait", "cancel": "please_wait",
    "repair": "apology", "payment": "please_wait",
}
# When no template fits (or all were said): short acknowledgements, in the buyer's language.
PLAIN = {
    "zh": {"greeting": "您好，我是{name}，很高兴为您服务，请问有什么可以帮您？",
           "ack": ("好的，收到，我这边马上为您处理，请稍等。", "明白了，我帮您记录下来，有进展第一时间告诉您。",
                   "好的，还有其他需要帮忙的地方随时告诉我。"),
           "closing": "感谢您的耐心，祝您生活愉快！有问题随时找我们。"},
    "en": {"greeting": "Hi, this is {name}. How can I help you today?",
           "ack": ("Got it, I'm looking into this for you now.", "Understood, I've noted it down and will update "
                   "you as soon as I know more.", "Sure. Anything else I can help you with?"),
           "closing": "Thanks for chatting with us. Have a nice day!"},
}


@dataclass(frozen=True)
class Pace:
    reply_after: tuple[float, float] = (20.0, 60.0)  # seconds from a buyer's message to the reply
    accept_after: tuple[float, float] = (10.0, 20.0)  # seconds from an escalation's offer to accepting it
    wrap_up_after: float = 240.0  # buyer quiet this long after the last reply: goodbye and close
    tick: float = 5.0


class DemoActors:
    def __init__(self, db: Database, *, slug: str = DEMO_SLUG, simulated: frozenset[str] = SIMULATED,
                 seats: dict[str, int] | None = None, pace: Pace = Pace()) -> None:
        self.db, self.slug, self.simulated, self.pace = db, slug, simulated, pace
        # Each simulated agent's own seat limit, to give back when a person leaves their group.
        self.seats = seats if seats is not None else {a.username: a.max_chats for a in AGENTS}
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.send_absent_away()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            try:
                await self.give_seats_back()
            except Exception:
                log.exception("demo actors: could not give the seats back")

    async def _loop(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("demo actors: a step failed")
            await asyncio.sleep(self.pace.tick)

    async def _team(self, s: AsyncSession) -> tuple[int, list[Agent], list[Agent]] | None:
        shop_id = await s.scalar(select(Shop.id).where(Shop.slug == self.slug))
        if shop_id is None:
            return None
        team = list(await s.scalars(select(Agent).where(Agent.shop_id == shop_id, Agent.active.is_(True))
                                    .order_by(Agent.id)))
        return (shop_id, [a for a in team if a.username in self.simulated],
                [a for a in team if a.username not in self.simulated])

    async def send_absent_away(self) -> int:
        """Agents played by a person who are online without a sign of life go away now (reason: silent)."""
        async with self.db.transaction() as s:
            found = await self._team(s)
            if found is None:
                return 0
            absent = [p for p in found[2] if p.presence == "online" and agents.is_silent(p)]
            for person in absent:
                await agents.set_presence(s, person, "away", reason="silent")
                # Nobody was at their desk: their waiting buyers go back to the queue now, and whoever logs in as
                # them later is not greeted with "N 个会话因您离开已转回排队" for what the demo did.
                await routing.requeue_absent(s, person.id)
                person.moved_unseen = 0
            return len(absent)

    async def step(self) -> dict:
        """One round: signs of life, seats, replies and goodbyes. Returns what was done (for tests and logs)."""
        async with self.db.transaction() as s:
            found = await self._team(s)
            if found is None:
                return {}
            shop_id, sims, persons = found
            await self._stay_online(s, sims)
            await self._leave_new_buyers_to_people(s, shop_id, sims, persons)
            online = {a.id for a in sims if a.presence == "online"}
            accepted = await self._accept_escalations(s, shop_id, {a.id: a for a in sims if a.id in online})
            chats = (await s.execute(select(Conversation.id, Conversation.assignee_id).where(
                Conversation.shop_id == shop_id, Conversation.status == "assigned",
                Conversation.assignee_id.in_(online)))).all() if online else []
        done = {"replied": 0, "closed": 0, **({"accepted": accepted} if accepted else {})}
        for conv_id, agent_id in chats:
            async with self.db.transaction() as s:
                action = await self._serve(s, conv_id, agent_id)
            if action:
                done[action] += 1
        return done

    async def _stay_online(self, s: AsyncSession, sims: list[Agent]) -> None:
        for agent in sims:
            await agents.seen(s, agent)
            if agent.presence in ("away", "offline"):
                await agents.set_presence(s, agent, "online")

    async def _leave_new_buyers_to_people(self, s: AsyncSession, shop_id: int, sims: list[Agent],
                                          persons: list[Agent]) -> None:
        load = await agents.loads(s, shop_id)
        staffed = {p.group for p in persons if p.role in ROUTABLE_ROLES and p.presence == "online"
                   and not agents.is_silent(p) and load.get(p.id, 0) < p.max_chats}
        for agent in sims:
            held = load.get(agent.id, 0) if agent.group in staffed else None
            await self._set_seats(s, shop_id, agent, held, load.get(agent.id, 0))

    async def _set_seats(self, s: AsyncSession, shop_id: int, agent: Agent, seats: int | None, load: int) -> None:
        """A simulated agent's seat limit: ``seats``, or None for the agent's own."""
        seats = self.seats.get(agent.username, agent.max_chats) if seats is None else seats
        if agent.max_chats != seats:
            agent.max_chats = seats
            await s.flush()
            await events.record(s, shop_id, "agent.updated", await agents.agent_out(s, agent, load))

    async def give_seats_back(self) -> None:
        """When the demo stops: the simulated agents' own seat limits, for a later `kefu serve` of the shop."""
        async with self.db.transaction() as s:
            found = await self._team(s)
            if found is not None:
                load = await agents.loads(s, found[0])
                for agent in found[1]:
                    await self._set_seats(s, found[0], agent, None, load.get(agent.id, 0))

    async def _accept_escalations(self, s: AsyncSession, shop_id: int, sims: dict[int, Agent]) -> int:
        pending = list(await s.scalars(select(Handoff).where(
            Handoff.shop_id == shop_id, Handoff.status == "pending", Handoff.to_agent_id.in_(sims))))
        accepted = 0
        for h in pending:
            if h.due_at is None:
                continue
            offered = as_utc(h.due_at) - timedelta(seconds=POLICY.escalation_accept_seconds)
            if now() >= offered + timedelta(seconds=random.Random(f"h{h.id}").uniform(*self.pace.accept_after)):
                await handoffs.accept(s, sims[h.to_agent_id], h.id)
                accepted += 1
        return accepted

    async def _serve(self, s: AsyncSession, conv_id: int, agent_id: int) -> str | None:
        conv = await s.get(Conversation, conv_id)
        agent = await s.get(Agent, agent_id)
        if conv is None or agent is None or conv.status != "assigned" or conv.assignee_id != agent_id:
            return None
        said = list(await s.scalars(select(Message).where(
            Message.conversation_id == conv.id, Message.private.is_(False), Message.sender.in_(("buyer", "agent")))
            .order_by(Message.seq)))
        if not said:
            return None
        last, at = said[-1], as_utc(said[-1].created_at)
        if last.sender == "buyer":
            low, high = self.pace.reply_after
            if now() < at + timedelta(seconds=random.Random(f"{conv.id}:{last.seq}").uniform(low, high)):
                return None
            sent = {m.text for m in said if m.sender == "agent"}
            for text in await self._replies(s, agent, conv, sent, first=not sent):
                await chat.post_agent_message(s, agent, conv.id, text)
            return "replied"
        if now() < at + timedelta(seconds=self.pace.wrap_up_after):
            return None
        plain = PLAIN["en" if conv.lang == "en" else "zh"]
        text = plain["closing"] if conv.lang == "en" else await self._template(s, agent, conv, "closing", set())
        await chat.post_agent_message(s, agent, conv.id, text or plain["closing"])
        await chat.close(s, agent, conv.id)
        return "closed"

    async def _template(self, s: AsyncSession, agent: Agent, conv: Conversation, scene: str,
                        sent: set[str]) -> str | None:
        """The first template of the scene the conversation fills completely and that was not said yet."""
        for t in await kb.list_templates(s, conv.shop_id, scene=scene):
            rendered = await kb.render_template(s, agent, t.id, conv.id)
            if not rendered["missing"] and rendered["text"] not in sent:
                return rendered["text"]
        return None

    async def _replies(self, s: AsyncSession, agent: Agent, conv: Conversation, sent: set[str], *,
                       first: bool) -> list[str]:
        plain = PLAIN["en" if conv.lang == "en" else "zh"]
        if conv.lang == "en":  # the shop's templates are Chinese
            out = [plain["greeting"].format(name=agent.display_name)] if first else []
        else:
            greeting = await self._template(s, agent, conv, "greeting", sent) if first else None
            out = [greeting or plain["greeting"].format(name=agent.display_name)] if first else []
            scene = SCENE_OF_INTENT.get(conv.intent or "")
            answer = await self._template(s, agent, conv, scene, sent) if scene else None
            if answer:
                out.append(answer)
        if not out:
            out.append(next((line for line in plain["ack"] if line not in sent), plain["ack"][-1]))
        return out


def wrap_lifespan(app) -> None:
    """Run the actors while the app serves (the demo app of `kefu demo`); they start after the app's own
    start-up (migrations, scheduler, router) and stop before its shutdown."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        async with inner(a) as state:
            actors = DemoActors(a.state.db)
            await actors.start()
            try:
                yield state
            finally:
                await actors.stop()

    app.router.lifespan_context = lifespan


def create_demo_app():
    """`kefu demo`'s application factory: the ordinary app, plus the simulated colleagues."""
    from kefu.app import create_app

    app = create_app()
    wrap_lifespan(app)
    return app
