"""The demo shop's knowledge base: 150+ articles over the 15 intents, reply templates for every scene and
a few shop synonyms. All text is written for the project. `load_demo_kb` is idempotent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.knowledge import service
from kefu.knowledge.demo_articles_1 import ARTICLES_1, ARTICLES_1B
from kefu.knowledge.demo_articles_2 import ARTICLES_2, ARTICLES_2B
from kefu.knowledge.models import SynonymGroup
from kefu.knowledge.prepared import add_missing

ARTICLES = ARTICLES_1 + ARTICLES_1B + ARTICLES_2 + ARTICLES_2B

# (scene, shortcut, title, body)
TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    ("greeting", "hi", "首次问候",
     "{买家称呼}您好，欢迎光临{店铺名}，我是客服{客服名}，请问有什么可以帮您？"),
    ("greeting", "hi2", "老顾客问候",
     "{买家称呼}您好，又见面啦！我是{客服名}，今天想看点什么，还是之前的订单需要帮忙？"),
    ("please_wait", "wait", "请稍等",
     "好的，{买家称呼}请稍等，我马上为您查询，大约需要 1 分钟。"),
    ("please_wait", "check", "核实中",
     "收到，我正在和仓库核实订单 {订单号} 的情况，查到结果第一时间告诉您，请稍等。"),
    ("apology", "sorry", "致歉",
     "非常抱歉给您带来不便，这是我们做得不到位，我会马上跟进处理，给您一个满意的答复。"),
    ("apology", "sorry-late", "发货延迟致歉",
     "实在抱歉，订单 {订单号} 的发货比承诺晚了，我已经备注加急，今天内一定发出。"),
    ("return_policy", "th", "退货说明",
     "签收后 7 天内商品完好可以无理由退货，寄回运费由买家承担；质量问题或发错货由我们承担来回运费。"),
    ("exchange_policy", "hh", "换货说明",
     "7 天内可以换颜色或尺码。非质量原因换货的运费双方各承担一半：您付寄回的，我们付重新寄出的。"),
    ("refund_progress", "tk", "退款进度",
     "{买家称呼}，订单 {订单号} 的退款已经提交，原路退回，余额即时到账，银行卡 "
     "1 到 3 个工作日。"),
    ("logistics", "wl", "物流查询结果",
     "帮您查到了，订单 {订单号} 已发出，运单号 {快递单号}，预计 2 到 3 天"
     "送达，请留意电话。"),
    ("logistics", "cui", "催件回复",
     "已经帮您联系快递加急派送了，如果 48 小时内还没有更新，我们直接为您补发或退款。"),
    ("presale", "size", "尺码推荐",
     "方便告诉我您的身高、体重和平时穿的尺码吗？我按尺码表帮您推荐最合适的码。"),
    ("presale", "stock", "到货提醒",
     "这个规格暂时缺货，一般 7 到 15 天补货，您可以点“到货提醒”，补货后第一时间通知您。"),
    ("invoice", "fp", "开票说明",
     "可以开发票的，请提供发票抬头和税号，电子发票在确认收货后 3 个工作日内开到订单页面。"),
    ("payment_reminder", "pay", "催付提醒",
     "{买家称呼}，您的订单还没有付款哦，库存不多了，24 小时内付款就能为您优先安排发货。"),
    ("escalation", "up", "升级主管",
     "您的问题我已经整理好经过，升级给了主管，他会在 1 小时内联系您，您不需要再重复说明。"),
    ("complaint", "ts", "投诉受理",
     "非常理解您的心情，您的投诉已经登记，主管 24 小时内给您处理方案，处理完我们还会回访。"),
    ("closing", "bye", "结束语",
     "感谢您的耐心，还有其他问题随时找我，我是{客服名}，祝您生活愉快！"),
    ("survey", "pj", "邀请评价",
     "本次服务就到这里啦，稍后会弹出满意度评价，麻烦您花几秒钟给{客服名}打个分，谢谢！"),
    ("other", "hours", "客服时间",
     "人工客服每天 9:00 到 23:00 在线，其他时间可以留言，我们上班后第一时间回复。"),
)

SYNONYMS: tuple[tuple[str, ...], ...] = (("四件套", "床品套件", "床上四件套"), ("吊牌", "标签", "商标牌"))


async def load_demo_kb(session: AsyncSession, shop_id: int, *, author_id: int | None = None) -> dict:
    """Add the demo articles, templates and synonyms the shop does not have yet (matched by title /
    shortcut); running it again adds nothing. Returns how many of each were added."""
    added = {**await add_missing(session, shop_id, author_id, ARTICLES, TEMPLATES, note="演示知识库"), "synonyms": 0}
    groups = {tuple(g) for g in await session.scalars(select(SynonymGroup.words)
                                                      .where(SynonymGroup.shop_id == shop_id))}
    for words in SYNONYMS:
        if tuple(words) not in groups:
            await service.add_synonyms(session, shop_id, list(words))
            added["synonyms"] += 1
    return added
