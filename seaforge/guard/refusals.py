"""A short, polite refusal in the user's language (written by the seaforge team)."""

from __future__ import annotations

from seaforge.text.langid import detect
from seaforge.text.languages import resolve

REFUSALS = {
    "en": "I can't help with that request. I'm happy to help with something else.",
    "id": "Maaf, saya tidak dapat membantu permintaan itu. Saya senang membantu hal lain.",
    "ms": "Maaf, saya tidak dapat membantu dengan permintaan itu. Saya sedia membantu perkara lain.",
    "tl": "Paumanhin, hindi ko matutulungan ang kahilingang iyan. Masaya akong tumulong sa ibang bagay.",
    "vi": "Xin lỗi, tôi không thể giúp với yêu cầu này. Tôi sẵn lòng hỗ trợ bạn việc khác.",
    "th": "ขออภัย ไม่สามารถช่วยในคำขอนี้ได้ ยินดีช่วยเหลือในเรื่องอื่นแทน",
    "lo": "ຂໍອະໄພ, ບໍ່ສາມາດຊ່ວຍໃນຄຳຮ້ອງຂໍນີ້ໄດ້. ຍິນດີຊ່ວຍເຫຼືອໃນເລື່ອງອື່ນ.",
    "km": "សូមអភ័យទោស ខ្ញុំមិនអាចជួយលើសំណើនេះបានទេ។ ខ្ញុំរីករាយជួយលើរឿងផ្សេងទៀត។",
    "my": "တောင်းပန်ပါတယ်၊ ဒီတောင်းဆိုချက်ကို ကူညီပေးလို့ မရပါဘူး။ တခြားကိစ္စတွေမှာ ကူညီပေးဖို့ ဝမ်းသာပါတယ်။",
    "ta": "மன்னிக்கவும், இந்தக் கோரிக்கைக்கு என்னால் உதவ முடியாது. வேறு எதற்கும் மகிழ்ச்சியுடன் உதவுகிறேன்.",
    "jv": "Nuwun sewu, kula mboten saged mbiyantu panyuwunan menika. Kula remen mbiyantu bab sanesipun.",
    "su": "Hapunten, abdi teu tiasa ngabantosan paménta éta. Abdi bingah ngabantosan dina hal sanés.",
    "zh": "抱歉，我无法协助这个请求。如有其他问题，我很乐意帮忙。",
}
# Regional languages get the national language their speakers read (better than English).
_FALLBACK = {"min": "id", "ace": "id", "bug": "id", "ban": "id", "ceb": "tl", "ilo": "tl", "hil": "tl", "war": "tl"}
_FALLBACK["shn"] = "my"


def refusal(language: str) -> str:
    """The refusal for a language code or alias ("fil", "tha"); unknown or unsupported -> English."""
    try:
        code = resolve(language)
    except (KeyError, AttributeError):
        return REFUSALS["en"]
    return REFUSALS.get(code) or REFUSALS.get(_FALLBACK.get(code, "en"), REFUSALS["en"])


def refusal_for(text: str) -> str:
    """The refusal in the language seaforge's langid detects in `text` (English when undecided)."""
    try:
        lang = detect(text).lang
    except Exception:  # a refusal must always come back
        lang = "en"
    return refusal(lang)
