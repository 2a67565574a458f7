"""The two questionnaires that ship with the product, as plain data (installed by a data migration).

``trade``: the industry's service dimensions (货源供应, 订货服务, 送货服务, 客户经理服务, 结算服务, 投诉处理,
市场管理/专卖) with sub-items on a 1–5 satisfaction scale, plus the overall-satisfaction item that the driver
analysis needs. ``servqual``: the five SERVQUAL dimensions (Parasuraman, Zeithaml & Berry 1988) worded for
tobacco retail, each item asked twice on 1–7 — expectation and perception — for the gap model.
"""

TRADE = {
    "code": "trade",
    "title": "零售客户满意度调查问卷",
    "description": "尊敬的零售客户：为了解您对我们服务的评价，请根据您的真实感受作答，每题选择一项。"
    "您的意见将帮助我们改进服务，谢谢支持！",
    "sections": [
        (
            "supply",
            "货源供应",
            1,
            [
                "货源供应总量能满足本店的经营需要",
                "畅销、紧俏卷烟的分配公开、公平、公正",
                "卷烟品牌规格丰富，能满足本店顾客的需求",
                "新品卷烟投放及时，相关信息告知清楚",
            ],
        ),
        (
            "ordering",
            "订货服务",
            1,
            [
                "订货渠道（电话订货、网上订货）方便顺畅",
                "订货时间安排合理",
                "电访员服务态度热情、用语规范",
                "订单准确，没有错订、漏订",
            ],
        ),
        (
            "delivery",
            "送货服务",
            1,
            [
                "送货准时，在约定时间内送达",
                "送货准确，品种和数量没有差错",
                "卷烟包装完好，没有破损、受潮",
                "送货员服务态度好，当面交接清楚",
            ],
        ),
        (
            "account_manager",
            "客户经理服务",
            1,
            [
                "客户经理按时上门拜访",
                "客户经理及时传达政策和市场信息",
                "客户经理在陈列、价格、销售等经营方面给予有效指导",
                "客户经理服务态度热情、办事公道",
            ],
        ),
        (
            "settlement",
            "结算服务",
            1,
            [
                "结算方式方便快捷（电子结算）",
                "扣款准确，账目清楚",
                "结算中遇到的问题能得到及时处理",
            ],
        ),
        (
            "complaints",
            "投诉处理",
            1,
            [
                "意见、投诉的反映渠道畅通",
                "投诉能得到及时受理和答复",
                "投诉处理结果令人满意",
            ],
        ),
        (
            "market",
            "市场管理（专卖）",
            1,
            [
                "市场管理员检查时文明规范、亮证执法",
                "市场经营秩序良好，违法经营行为得到有效查处",
                "专卖法规和政策宣传解释清楚",
                "许可证办理、延续等业务办理便捷",
            ],
        ),
    ],
    "closing": {
        "code": "closing",
        "title": "总体评价",
        "items": [
            {
                "code": "overall",
                "text": "总体而言，您对烟草公司的服务满意吗？",
                "kind": "likert",
                "is_overall": True,
            },
            {
                "code": "improve_first",
                "text": "您最希望我们优先改进哪一方面？",
                "kind": "single",
                "required": False,
                "options": [
                    "货源供应",
                    "订货服务",
                    "送货服务",
                    "客户经理服务",
                    "结算服务",
                    "投诉处理",
                    "市场管理（专卖）",
                ],
            },
            {
                "code": "order_channels",
                "text": "您平时通过哪些方式订货？（可多选）",
                "kind": "multiple",
                "required": False,
                "options": ["电话订货", "网上订货", "手机App订货", "客户经理上门"],
            },
            {
                "code": "suggestion",
                "text": "您对我们的服务还有哪些意见和建议？",
                "kind": "text",
                "required": False,
            },
        ],
    },
    "scale_max": 5,
    "paired": False,
}

SERVQUAL = {
    "code": "servqual",
    "title": "服务质量差距调查问卷（SERVQUAL）",
    "description": "每题请打两次分（1 = 非常不同意，7 = 非常同意）：先按您对一家优秀烟草公司的期望打“期望”分，"
    "再按您实际感受到的服务打“感受”分。",
    "sections": [
        (
            "tangibles",
            "有形性",
            1,
            [
                "送货车辆、订货和结算设备整洁、好用",
                "服务人员着装整洁、佩戴工作证",
                "政策宣传和告知材料清楚易懂",
                "网上订货平台界面清楚、操作方便",
            ],
        ),
        (
            "reliability",
            "可靠性",
            1,
            [
                "承诺的事情都能按时做到",
                "遇到困难时真心帮助解决",
                "订货、送货、结算第一次就做对",
                "在承诺的时间内提供服务",
            ],
        ),
        (
            "responsiveness",
            "响应性",
            1,
            [
                "明确告诉您服务什么时候能到位",
                "迅速提供服务，不让您久等",
                "服务人员总是愿意帮助您",
                "再忙也会及时回应您的诉求",
            ],
        ),
        (
            "assurance",
            "保证性",
            1,
            [
                "服务人员的言行让人信赖",
                "与烟草公司打交道让人放心（货源、账款安全）",
                "服务人员始终礼貌待人",
                "服务人员有足够的专业知识解答您的问题",
            ],
        ),
        (
            "empathy",
            "移情性",
            1,
            [
                "针对本店情况给予个别关注",
                "送货、拜访时间方便您经营",
                "了解本店的经营需求",
                "把零售客户的利益放在心上",
            ],
        ),
    ],
    "closing": {
        "code": "closing",
        "title": "总体评价",
        "items": [
            {
                "code": "overall",
                "text": "总体而言，您对烟草公司的服务质量满意吗？",
                "kind": "likert",
                "is_overall": True,
            },
            {"code": "suggestion", "text": "您还有什么意见和建议？", "kind": "text", "required": False},
        ],
    },
    "scale_max": 7,
    "paired": True,
}

BUILTIN = (TRADE, SERVQUAL)


def install_builtin(questionnaire_model, section_model, item_model, now) -> list:
    """Creates version 1 of each built-in questionnaire that does not exist yet. Works with the real
    models and with the historical ones a migration gets from ``apps.get_model``."""
    created = []
    for spec in BUILTIN:
        if questionnaire_model.objects.filter(code=spec["code"]).exists():
            continue
        q = questionnaire_model.objects.create(
            code=spec["code"], version=1, title=spec["title"], description=spec["description"], created_at=now
        )
        order = 0
        for s_order, (code, title, weight, texts) in enumerate(spec["sections"], start=1):
            section = section_model.objects.create(
                questionnaire=q, order=s_order, code=code, title=title, weight=weight
            )
            for i, text in enumerate(texts, start=1):
                order += 1
                item_model.objects.create(
                    section=section,
                    order=i,
                    code=f"{code}_{i}",
                    text=text,
                    kind="likert",
                    scale_max=spec["scale_max"],
                    ask_expectation=spec["paired"],
                    required=True,
                    weight=1,
                )
        closing = spec["closing"]
        section = section_model.objects.create(
            questionnaire=q,
            order=len(spec["sections"]) + 1,
            code=closing["code"],
            title=closing["title"],
            weight=0,
        )
        for i, item in enumerate(closing["items"], start=1):
            item_model.objects.create(
                section=section,
                order=i,
                code=item["code"],
                text=item["text"],
                kind=item["kind"],
                scale_max=spec["scale_max"],
                options=item.get("options", []),
                required=item.get("required", True),
                is_overall=item.get("is_overall", False),
                weight=1,
            )
        created.append(q)
    return created
