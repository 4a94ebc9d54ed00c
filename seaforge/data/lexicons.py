"""Per-language word lists for the quality filters: stopwords, flagged words, boilerplate cues.

Written by the seaforge team. Stopwords are the high-frequency function words a real sentence
in the language almost always contains (Gopher's "has at least two stopwords" test, localised);
they are stored as the units our segmenter emits (Burmese: syllables, Chinese: words).
Flagged words target the gambling and adult spam that dominates low-resource SEA crawls.
"""

from __future__ import annotations

STOPWORDS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "en": "the be to of and that have with a in is it for on at was are by",
        "id": "yang dan di ke dari ini itu untuk dengan pada adalah tidak akan sudah juga atau bahwa oleh "
        "dalam kepada para saya kami kita mereka ia dia telah bisa dapat lebih seperti jika kalau tetapi "
        "karena hanya semua ada bagi sebagai secara atas tersebut namun saat agar maka bila masih",
        "ms": "yang dan di ke dari ini itu untuk dengan pada ialah tidak akan sudah juga atau bahawa oleh "
        "dalam kepada para saya kami kita mereka ia dia telah boleh dapat lebih seperti jika kalau tetapi "
        "kerana hanya semua ada bagi sebagai secara atas tersebut namun semasa agar maka apabila masih",
        "tl": "ang ng sa na mga si ay at ni para kay hindi ito iyon may",
        # Javanese in both registers: ngoko and krama function words.
        "jv": "lan ing sing karo kang iku iki ora wis uga saka kanggo yen marang dening utawa kudu bisa ana "
        "kabeh nanging menyang saben dadi ingkang saking dhateng punika menika boten sampun kaliyan",
        "su": "jeung di nu ka ti anu teu geus oge ieu eta pikeun kana dina kalawan atawa bari ku sarta mah "
        "kudu bisa aya urang tina kanggo nyaéta nyaeta sakabéh sakabeh",
        "vi": "và của là có những các được trong cho này với không một đã ở tại thì mà cũng để về từ khi "
        "nếu như theo bị sẽ đang rằng hoặc nhưng đó mọi",
        "th": "และ ที่ ใน ของ ได้ ให้ เป็น มี การ ไป จะ ไม่ กับ ว่า นี้ แล้ว แต่ ก็ หรือ จาก โดย เพื่อ ซึ่ง "
        "อยู่ ต้อง คือ ทุก ถ้า เมื่อ ยัง อย่าง เขา",
        "lo": "ແລະ ຢູ່ ທີ່ ໃນ ຂອງ ໄດ້ ເປັນ ມີ ຈະ ບໍ່ ກັບ ວ່າ ນີ້ ໃຫ້ ແມ່ນ ແຕ່ ກໍ່ ຫຼື ຈາກ ໂດຍ ເພື່ອ ຊຶ່ງ ຕ້ອງ ຄື ທຸກ ຖ້າ ເມື່ອ ຍັງ ການ ໄປ ມາ ເຂົາ",
        "km": "និង នៅ ដែល ក្នុង របស់ ជា បាន មាន ពី ទៅ នេះ ថា ដើម្បី ដោយ ឬ តែ ក៏ ពេល ត្រូវ គឺ ទាំង ការ ដល់ ទេ អ្នក គាត់ យើង ខ្ញុំ",
        # Syllables, as our Burmese segmenter emits them (မ: the negation prefix).
        "my": "မှာ တယ် ကို နဲ့ က တွင် သည် ပါ များ ဖြစ် ရှိ ၏ နှင့် လည်း ပြီး ခဲ့ ရန် သော သို့ မ ထို ၍ လျှင် သူ အား ကြ",
        # Tamil marks case and conjunction with suffixes, so free function words are fewer: pronouns,
        # postpositions, conjunctions and auxiliaries.
        "ta": "ஒரு மற்றும் இந்த அந்த என்று இது அது உள்ள என்ற போது அல்லது மேலும் ஆனால் எந்த ஒவ்வொரு "
        "அவர் அவர்கள் அவன் அவள் நான் நாம் நாங்கள் நீ உள்ளது இருந்து மூலம் பற்றி போல் வரை மிகவும் "
        "கொண்டு வேண்டும் முடியும் ஆகும் இல்லை தான் மட்டும் எல்லா அனைத்து பின்",
        "zh": "的 了 在 是 和 我们 有 这 也 就 都 不 人 个 由",
    }.items()
}

# Matched as whole segmented words (quality._flagged_hits); a multi-word entry as a run of words.
# Indonesian "bandar" alone also means port or town ("Bandar Lampung"): only its gambling uses.
FLAGGED: dict[str, tuple[str, ...]] = {
    "en": ("casino", "slot spins", "betting tips", "jackpot", "porn", "xxx"),
    "id": ("judi", "slot gacor", "togel", "maxwin", "bandar togel", "bandar judi", "bandar bola", "bokep"),
    "ms": ("judi", "kasino", "slot mudah menang", "bokep"),
    "tl": ("sabong", "casino", "jackpot", "taya sa slot"),
    "jv": ("judi", "togel", "slot gacor"),
    "su": ("judi", "togel", "slot gacor"),
    "vi": ("nhà cái", "cá độ", "nổ hũ", "casino"),
    "th": ("สล็อต", "บาคาร่า", "พนัน", "การพนัน", "แทงบอล", "หวยออนไลน์"),
    "lo": ("ຄາສິໂນ", "ແທງບານ", "ສລັອດ", "ພະນັນ"),
    "km": ("កាស៊ីណូ", "ភ្នាល់", "ស្លុត", "ល្បែងស៊ីសង"),
    "my": ("ကာစီနို", "လောင်းကစား", "စလော့"),
    "ta": ("சூதாட்ட", "கேசினோ"),
    "zh": ("赌场", "老虎机", "博彩", "六合彩"),
}

# Substrings that mark a whole line as a cookie notice (any language: crawls mix them).
COOKIE_CUES = ("cookie", "kuki", "คุกกี้", "ខូឃី", "ຄຸກກີ້", "ကွတ်ကီး")

# Line starts that mark share/read-more/legal boilerplate.
BOILERPLATE_CUES = (
    "©",
    "copyright",
    "all rights reserved",
    "privacy policy",
    "hak cipta",
    "baca juga",
    "read more",
    "basahin din",
    "xem thêm",
    "อ่านต่อ",
    "สงวนลิขสิทธิ์",
    "អានបន្ថែម",
    "ອ່ານຕໍ່",
    "ဆက်ဖတ်ရန်",
    "阅读更多",
    "版权所有",
    "posted ",
    "share |",
    "subscribe",
    "langganan",
    "đăng ký nhận tin",
)

NAV_SEPARATORS = ("|", "»", "›", "·", "•", "/")
