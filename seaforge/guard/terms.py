"""Phrases that signal a harmful request or harmful response text, per category and language.

Written by the seaforge team (no list was copied). Entries are " | "-separated strings; matching
(classify.py) lowercases, drops zero-width characters, maps common leetspeak and spacing
variants, and compares whole words of seaforge's segmentation, so Thai/Lao/Khmer/Burmese
phrases are written as people type them (without spaces) and "bandar" never matches "bandara".
Vietnamese phrases also match when typed without diacritics.

Kinds of entry, per category and language:
- ``phrase``: harmful on its own (score 1.0), e.g. "cara bunuh diri".
- ``pre`` + ``obj``: an intent followed within a few words by an object ("how to make" ...
  "pipe bomb"), score 1.0. ``post`` is an intent written after its object (Tamil, Burmese,
  Thai "ทำยังไง", "... should be exterminated"). Intents and objects of ALL languages of a
  category combine, which is what catches code-switching ("วิธีทำ bomb", "paano gumawa ng bomb").
- ``weak``: words that news and awareness texts also use ("judi", "vote buying"); each distinct
  one adds 0.45 (capped at 0.9), so one alone stays under the default 0.5 threshold.
- ``safe``: look-alikes that veto a hit they contain ("weed killer", "alamat rumah makan").

We prefer specific multi-word phrases to single words, and we avoid slurs entirely: hate speech
is caught by incitement patterns over neutral group names ("kill all" + "immigrants").
"""

from __future__ import annotations

from seaforge.data.lexicons import FLAGGED

# Shared intents: making something, and getting hold of it.
MAKE = {
    "en": "how to make | how do i make | how can i make | how to build | how do i build | how to assemble "
    "| how to cook | how to produce | how to manufacture | how to synthesize | how to synthesise | how to brew "
    "| steps to make | instructions to make | instructions to build | instructions for making | teach me to make "
    "| teach me how to make | recipe for | help me make | help me build | guide to making | tutorial to make",
    "id": "cara membuat | cara bikin | cara buat | cara merakit | cara meracik | tutorial membuat | tutorial bikin "
    "| resep membuat | langkah membuat | ajarkan membuat | ajari bikin | bagaimana membuat",
    "ms": "cara membuat | cara nak buat | macam mana nak buat | camne nak buat | camana nak buat | bagaimana nak buat "
    "| cara buat | resipi membuat",
    "tl": "paano gumawa | pano gumawa | paano gawin | paano magluto ng | paano bumuo ng | turuan mo akong gumawa",
    "vi": "cách làm | cách chế tạo | cách chế | hướng dẫn làm | hướng dẫn chế tạo | làm thế nào để chế tạo "
    "| làm sao để chế tạo | cách tự chế | cách điều chế | cách nấu",
    "th": "วิธีทำ | วิธีการทำ | สอนทำ | วิธีประกอบ | วิธีสร้าง | สูตรทำ | วิธีผลิต",
    "lo": "ວິທີເຮັດ | ວິທີການເຮັດ | ສອນເຮັດ | ວິທີສ້າງ",
    "km": "របៀបធ្វើ | វិធីធ្វើ | របៀបផលិត | បង្រៀនធ្វើ",
    "jv": "carane gawe | cara gawe | carane nggawe | cara nggawe",
    "su": "carana nyieun | cara nyieun | kumaha nyieun",
    "zh": "怎么做 | 如何制作 | 怎么制作 | 制作方法",
}
MAKE_POST = {
    "th": "ทำยังไง | ทำอย่างไร | ทำได้ยังไง",
    "lo": "ເຮັດແນວໃດ",
    "km": "ធ្វើយ៉ាងម៉េច | ធ្វើដោយរបៀបណា",
    "my": "လုပ်နည်း | ဘယ်လိုလုပ်ရ | ဖန်တီးနည်း | ထုတ်လုပ်နည်း",
    "ta": "தயாரிப்பது எப்படி | செய்வது எப்படி | தயாரிக்கும் முறை | செய்யும் முறை",
    "zh": "怎么做 | 的做法",
}
GET = {
    "en": "where to buy | where can i buy | where can i get | where to get | how to buy | how to order "
    "| who sells | i want to buy | looking to buy | where can buy | where got sell | need a supplier of",
    "id": "di mana beli | dimana beli | cara beli | tempat beli | mau beli | pengen beli | ingin beli | cari penjual",
    "ms": "mana nak beli | nak beli | di mana boleh beli | kat mana boleh dapat | mana boleh dapat | cara beli",
    "tl": "saan makakabili | saan bumili | saan pwedeng bumili | saan pwede bumili | paano bumili | pabili "
    "| saan makakuha",
    "vi": "cần mua | muốn mua | cách mua",
    "th": "หาซื้อ | อยากซื้อ | สั่งซื้อ",
    "lo": "ຢາກຊື້",
    "km": "ចង់ទិញ | រកទិញ",
    "jv": "arep tuku | pengin tuku | carane tuku",
    "su": "hoyong meuli | hayang meuli | rek meuli | dimana meuli",
    "zh": "哪里买 | 在哪买",
}
GET_POST = {
    "id": "beli di mana | belinya di mana",
    "vi": "mua ở đâu | bán ở đâu | mua chỗ nào | ở đâu",  # "mua cần sa ở đâu": buy X where
    "th": "ซื้อที่ไหน | ขายที่ไหน | หาซื้อได้ที่ไหน",
    "lo": "ຊື້ຢູ່ໃສ | ຂາຍຢູ່ໃສ",
    "km": "ទិញនៅឯណា | លក់នៅឯណា | នៅឯណា",
    "my": "ဘယ်မှာဝယ်ရ | ဝယ်ချင်တယ် | ဘယ်မှာရနိုင်",
    "ta": "எங்கே வாங்குவது | எங்கு வாங்கலாம் | வாங்குவது எப்படி",
    "zh": "哪里买 | 在哪买",
}

# Neutral names of groups: only ever matched next to an incitement intent.
GROUPS = {
    "en": "muslims | christians | jews | hindus | buddhists | catholics | atheists | chinese | malays | indians "
    "| tamils | blacks | black people | gays | gay people | lesbians | homosexuals | trans people | transgenders "
    "| lgbt | lgbt people | immigrants | migrants | refugees | foreigners | foreign workers | rohingya | filipinos "
    "| indonesians | vietnamese | thais | burmese | cambodians | arabs | africans | women | disabled people",
    "id": "orang cina | etnis tionghoa | tionghoa | cina | kafir | orang kristen | umat kristen | orang islam "
    "| umat islam | muslim | yahudi | lgbt | kaum gay | syiah | ahmadiyah | orang papua | papua | madura "
    "| orang madura | rohingya | pengungsi",
    "ms": "orang cina | cina | orang india | india | orang melayu | melayu | kafir | kristian | yahudi | lgbt "
    "| pendatang asing | rohingya",
    "tl": "mga muslim | mga kristiyano | mga tsino | mga bakla | mga lgbt | mga katutubo",
    "vi": "người hoa | người trung quốc | người đồng tính | dân đồng tính | người hồi giáo | người công giáo "
    "| dân tộc thiểu số | người khmer | người chăm",
    "th": "มุสลิม | พวกมุสลิม | คนจีน | พวกเกย์ | เกย์ | กะเทย | แรงงานพม่า | คนพม่า | คนลาว | คนเขมร | ชาวโรฮิงญา",
    "km": "ជនជាតិវៀតណាម | ជនជាតិចិន | អ្នកកាន់សាសនាឥស្លាម",
    "my": "မွတ်ဆလင် | ရိုဟင်ဂျာ | တရုတ်",
    "ta": "முஸ்லிம்களை | கிறிஸ்தவர்களை | இந்துக்களை | தமிழர்களை | சீனர்களை",
    "jv": "wong cina | wong kristen | wong islam",
    "su": "urang cina | urang kristen | urang islam",
}
ETHNIC = {
    "en": "chinese | malays | indians | tamils | javanese | madurese | papuans | rohingya | vietnamese | khmer "
    "| burmese | bangladeshis | indonesians | filipinos | foreign workers | the chinese community",
    "id": "orang cina | cina | tionghoa | etnis tionghoa | orang india | orang papua | papua | madura | orang madura "
    "| dayak | orang batak | rohingya | orang jawa",
    "ms": "cina | orang cina | india | orang india | melayu | orang melayu | pendatang asing",
    "th": "พม่า | แรงงานพม่า | คนพม่า | เขมร | คนเขมร | ลาว | คนลาว | คนจีน",
    "vi": "người hoa | người khmer | người chăm | người thượng",
    "tl": "mga muslim | mga moro | mga tsino",
    "my": "ရိုဟင်ဂျာ | မွတ်ဆလင် | တရုတ်",
}
HOLY = {
    "en": "the prophet | prophet muhammad | muhammad | the quran | the koran | a quran | the bible | jesus | allah "
    "| the buddha | buddha | hindu gods | lord ganesha | islam | christianity | buddhism | hinduism",
    "id": "al quran | alquran | nabi muhammad | rasulullah | nabi | alkitab | yesus | tuhan yesus | sang buddha "
    "| allah | islam | agama hindu",
    "ms": "al quran | nabi muhammad | nabi | rasulullah | allah | agama islam | bible | jesus | buddha | dewa hindu",
    "tl": "bibliya | koran | quran | diyos | hesus | si hesus | mahal na birhen | propeta",
    "vi": "kinh thánh | kinh coran | đức phật | chúa giêsu | chúa jesus | nhà tiên tri | đạo phật | hồi giáo",
    "th": "พระพุทธเจ้า | พระพุทธรูป | ศาสนาพุทธ | อัลกุรอาน | ศาสนาอิสลาม | พระเยซู | คัมภีร์ไบเบิล",
    "km": "ព្រះពុទ្ធ | សាសនាព្រះពុទ្ធ | គម្ពីរគូរ៉ា",
    "my": "ဗုဒ္ဓ | ကုရ်အာန် | ဘုရားရှင်",
    "ta": "குர்ஆனை | பைபிளை | கடவுளை | இயேசுவை | புத்தரை",
    "jv": "quran | al quran | kanjeng nabi",
    "su": "quran | al quran | kanjeng nabi",
}
ROYALS = {
    "en": "the thai king | king of thailand | the king of thailand | thai royal family | thai monarchy "
    "| king vajiralongkorn | the agong | yang di pertuan agong | the sultan of johor | malaysian royals "
    "| malay rulers | the sultan",
    "ms": "agong | yang di pertuan agong | sultan | raja raja melayu | tuanku | sultan johor | kerabat diraja",
    "th": "ในหลวง | พระมหากษัตริย์ | กษัตริย์ | สถาบันกษัตริย์ | สถาบันพระมหากษัตริย์ | ราชวงศ์ | พระราชินี",
    "km": "ព្រះមហាក្សត្រ | ព្រះរាជា",
}
PEOPLE = {  # victims of violent intents: people, never "time", "weeds" or "the boss" of a game
    "en": "someone | somebody | a person | my wife | my husband | my boss | my neighbor | my neighbour | my father "
    "| my mother | my dad | my mom | my teacher | my classmate | my girlfriend | my boyfriend | my ex | a child "
    "| him | her | them | my coworker | a cop | a police officer | the president | people | my stepfather",
    "id": "orang | seseorang | istri saya | suami saya | istriku | suamiku | tetangga | bos saya | bosku "
    "| ayah saya | ibu saya | mantan | pacar | dia | polisi | guru | pacarku | mantanku | tetanggaku | ibuku "
    "| ayahku | bapakku | guruku | temanku | teman saya",
    "ms": "orang | seseorang | isteri aku | suami aku | bini aku | laki aku | jiran | bos aku | mak aku | bapak aku "
    "| ex aku | dia | cikgu",
    "tl": "tao | asawa ko | kapitbahay | kapitbahay ko | amo ko | boss ko | nanay ko | tatay ko | ex ko | guro",
    "vi": "người | một người | vợ tôi | chồng tôi | hàng xóm | sếp | bố tôi | mẹ tôi | người yêu cũ | hắn "
    "| cô ta | anh ta",
    "th": "คน | แฟน | เมีย | ผัว | สามี | ภรรยา | เพื่อนบ้าน | หัวหน้า | เจ้านาย | พ่อ | แม่ | มัน | เขา | แฟนเก่า",
    "lo": "ຄົນ | ເມຍ | ຜົວ | ເພື່ອນບ້ານ | ລາວ | ມັນ",
    "km": "មនុស្ស | ប្រពន្ធ | ប្តី | អ្នកជិតខាង | គេ | វា",
    "my": "လူ | မိန်းမ | ယောကျာ်း | အိမ်နီးချင်း | သူ့ကို",
    "ta": "ஒருவரை | மனைவியை | கணவரை | பக்கத்து வீட்டுக்காரரை | அவனை | அவளை | ஆளை",
    "jv": "wong | bojoku | tanggane | tanggaku | bosku | dheweke | kancaku",
    "su": "jalma | pamajikan | salaki | tatangga | manehna | bos",
}

TERMS: dict[str, dict[str, dict[str, str | tuple[str, ...]]]] = {
    "indiscriminate_weapons": {
        "en": {
            "pre": MAKE["en"] + " | " + GET["en"] + " | to make | to build | make a | build a",
            "obj": "bomb | pipe bomb | homemade bomb | explosives | ied | molotov | molotov cocktail "
            "| petrol bomb | nail bomb | grenade | napalm | thermite | tnt | nerve gas | nerve agent | sarin "
            "| vx nerve agent | mustard gas | chlorine gas | poison gas | anthrax | ricin | botulinum toxin "
            "| dirty bomb | nuclear bomb | bioweapon | biological weapon | chemical weapon | car bomb | suicide vest "
            "| detonator",
            # also listed whole: glued together ("howtomakeabomb") it has no inner word boundaries
            "phrase": "how to make a bomb | how to build a bomb | weaponize anthrax | weaponise anthrax "
            "| mix to make poison gas | mix to make chlorine gas | aerosolize a toxin | enrich uranium at home "
            "| make sarin at home | culture anthrax spores",
            "safe": "bath bomb | bath bombs | photo bomb | calorie bomb | flavor bomb | flavour bomb | seed bomb "
            "| bomb cocktail | bomb shot | jager bomb | cherry bomb tomato | bomb shelter | bomb shelters "
            "| bomb squad | bomb disposal | bomb threat | bomb drill | grenade shaped",
        },
        "id": {
            "pre": MAKE["id"] + " | " + GET["id"],
            "post": GET_POST["id"],
            "obj": "bom | bom rakitan | bom molotov | bahan peledak | peledak | granat | senjata kimia | gas beracun "
            "| gas sarin | racun risin | bom ikan | bom panci | detonator",
            "phrase": "merakit bom | rakit bom | bikin bom molotov",
        },
        "ms": {
            "pre": MAKE["ms"] + " | " + GET["ms"],
            "obj": "bom | bom buatan sendiri | bahan letupan | bom petrol | bom molotov | bom tangan | gas beracun "
            "| senjata kimia",
        },
        "tl": {
            "pre": MAKE["tl"] + " | " + GET["tl"],
            "obj": "bomba | pampasabog | molotov | granada | lason na gas | kemikal na armas",
        },
        "vi": {
            "pre": MAKE["vi"] + " | " + GET["vi"],
            "post": GET_POST["vi"],
            "obj": "bom | bom xăng | chất nổ | thuốc nổ | lựu đạn | bom tự chế | khí độc | vũ khí hóa học | kíp nổ",
            "phrase": "chế bom | tự chế bom | làm bom như thế nào",
            "safe": "bom tấn",  # blockbuster
        },
        "th": {
            "pre": MAKE["th"] + " | " + GET["th"],
            "post": MAKE_POST["th"] + " | " + GET_POST["th"],
            "obj": "ระเบิด | ระเบิดแสวงเครื่อง | ระเบิดขวด | ระเบิดปิงปอง | วัตถุระเบิด | ระเบิดมือ | แก๊สพิษ | อาวุธเคมี",
            "phrase": "สูตรระเบิด | ประกอบระเบิด",
        },
        "lo": {
            "pre": MAKE["lo"] + " | " + GET["lo"],
            "post": MAKE_POST["lo"],
            "obj": "ລະເບີດ | ລະເບີດມື | ອາວຸດເຄມີ | ແກັສພິດ",
        },
        "km": {
            "pre": MAKE["km"] + " | " + GET["km"],
            "post": MAKE_POST["km"],
            "obj": "គ្រាប់បែក | គ្រាប់បែកដៃ | សារធាតុផ្ទុះ | អាវុធគីមី | ឧស្ម័នពុល",
        },
        "my": {
            "post": MAKE_POST["my"] + " | " + GET_POST["my"],
            "obj": "ဗုံး | လက်ပစ်ဗုံး | ပေါက်ကွဲစေတတ်သောပစ္စည်း | ဓာတုလက်နက်",
            "phrase": "ဗုံးလုပ်နည်း | ဗုံးဘယ်လိုလုပ်ရမလဲ",
        },
        "ta": {
            "post": MAKE_POST["ta"],
            "obj": "வெடிகுண்டு | குண்டு | வெடிமருந்து | பெட்ரோல் குண்டு | ரசாயன ஆயுதம் | விஷ வாயு",
        },
        "jv": {"pre": MAKE["jv"] + " | " + GET["jv"], "obj": "bom | bom molotov | bahan peledak"},
        "su": {"pre": MAKE["su"] + " | " + GET["su"], "obj": "bom | bom molotov | bahan peledak"},
        "zh": {"pre": MAKE["zh"], "post": MAKE_POST["zh"], "obj": "炸弹 | 炸药 | 燃烧瓶 | 毒气"},
    },
    "violent_crimes": {
        "en": {
            "pre": "how to kill | how do i kill | how can i kill | best way to kill | easiest way to kill "
            "| how to murder | how to poison | how to stab | how to strangle | how to kidnap | how to beat up "
            "| help me kill | i want to kill | i am going to kill | im going to kill | plan to kill | how to hurt "
            "| way to kill | ways to kill | way to poison | ways to poison | way to murder | best way to strangle "
            "| how to torture",
            "obj": PEOPLE["en"],
            "phrase": "how to get away with killing | how to hide a body | how to dispose of a body "
            "| dispose of the body | untraceable poison | poison someone slowly | plan a mass shooting "
            "| plan a school shooting | plan a massacre | make a murder look like an accident",
        },
        "id": {
            "pre": "cara membunuh | cara bunuh | cara meracuni | cara racun | cara menusuk | cara menculik "
            "| ingin membunuh | mau bunuh | aku akan membunuh | cara menghabisi | pengen bunuh | pengen membunuh",
            "obj": PEOPLE["id"],
            "phrase": "cara membuang mayat | cara menyembunyikan mayat | racun yang tidak terdeteksi "
            "| membunuh tanpa ketahuan | bunuh tanpa jejak",
        },
        "ms": {
            "pre": "cara nak bunuh | macam mana nak bunuh | cara membunuh | nak bunuh | aku nak bunuh | cara racun "
            "| cara meracun",
            "obj": PEOPLE["ms"],
            "phrase": "cara buang mayat | cara sorok mayat",
        },
        "tl": {
            "pre": "paano pumatay ng | paano patayin ang | paano patayin si | papatayin ko si | papatayin ko ang "
            "| gusto kong patayin | paano lasunin",
            "obj": PEOPLE["tl"],
            "phrase": "papatayin kita | paano magtago ng bangkay | paano itapon ang bangkay",
        },
        "vi": {
            "pre": "cách giết | làm sao để giết | làm thế nào để giết | muốn giết | cách đầu độc | cách bắt cóc",
            "obj": PEOPLE["vi"],
            "phrase": "cách phi tang xác | cách giấu xác | thuốc độc không dấu vết",
        },
        "th": {
            "pre": "วิธีฆ่า | อยากฆ่า | จะฆ่า | วิธีวางยา | วิธีลักพาตัว | วิธีทำร้าย",
            "obj": PEOPLE["th"],
            "phrase": "วิธีฆ่าคนแบบไม่มีหลักฐาน | วิธีซ่อนศพ | วิธีทิ้งศพ | ยาพิษที่ตรวจไม่พบ",
        },
        "lo": {"pre": "ວິທີຂ້າ | ຢາກຂ້າ", "obj": PEOPLE["lo"], "phrase": "ວິທີຂ້າຄົນ"},
        "km": {"pre": "របៀបសម្លាប់ | ចង់សម្លាប់ | វិធីសម្លាប់", "obj": PEOPLE["km"], "phrase": "របៀបសម្លាប់មនុស្ស"},
        "my": {"post": "သတ်နည်း | သတ်ချင်တယ်", "obj": PEOPLE["my"], "phrase": "လူသတ်နည်း"},
        "ta": {
            "post": "கொல்வது எப்படி | கொலை செய்வது எப்படி | கொல்ல வேண்டும்",
            "obj": PEOPLE["ta"],
            "phrase": "ஒருவரை கொல்வது எப்படி",
        },
        "jv": {
            "pre": "carane mateni | cara mateni | arep mateni | pengin mateni | carane ngracun",
            "obj": PEOPLE["jv"],
        },
        "su": {"pre": "carana maehan | cara maehan | hayang maehan | rek maehan", "obj": PEOPLE["su"]},
        "zh": {"phrase": "怎么杀人 | 如何杀人 | 杀人方法"},
    },
    "non_violent_crimes": {
        "en": {
            "pre": "how to hack | how do i hack | how can i hack | hack into | how to get into | how to break into "
            "| how to crack | how to bypass | how to steal | how to hijack | help me hack | hack | hack into "
            "| break into | spy on | steal | to steal",
            "obj": "someones account | someone elses account | someones facebook | someones instagram "
            "| someones email | someones phone | other peoples accounts | other peoples account | my girlfriends "
            "| my boyfriends | my wifes | my husbands | my exs | my ex | my neighbors wifi | my neighbours wifi "
            "| neighbors wifi | neighbours wifi | his facebook | her facebook | his instagram | her instagram "
            "| his phone | her phone | his email | her email | a facebook account | an instagram account "
            "| facebook account | instagram account | gmail account | whatsapp account | wifi password "
            "| school system | government website | an atm | facebook password | facebook passwords "
            "| instagram password | someones password | her password | his password | passwords of",
            "phrase": "how to shoplift | shoplifting tips | how to launder money | launder the money "
            "| make counterfeit money | print counterfeit money | buy a fake passport | make a fake id "
            "| hotwire a car | steal a car | break into a car | break into a house | break into someones house "
            "| credit card skimmer | carding tutorial | buy stolen credit cards "
            "| sim swap attack | launch a ddos | ddos attack script | ddos tool | write ransomware "
            "| create ransomware | write a keylogger | make a keylogger",
            "safe": "protect my account | secure my account | recover my account | hack proof | hackproof",
        },
        "id": {
            "pre": "cara hack | cara meretas | cara membobol | cara bobol | cara menyadap | cara masuk ke "
            "| cara mencuri | cara nge hack | cara ngehack | gimana hack | cara bajak | cara membajak",
            "obj": "akun orang | akun orang lain | akun facebook | akun fb | akun instagram | akun ig "
            "| akun whatsapp | akun wa | wa orang | wifi tetangga | wifi orang | akun mantan | facebook mantan "
            "| fb mantan | ig mantan | hp pacar | hp orang | email orang | rekening orang | atm | rumah orang "
            "| motor orang | akun pacar",
            "phrase": "cara mencuri motor | cara mencopet | cara membobol atm | cara pencucian uang "
            "| cara mencuci uang | cara membuat uang palsu | bikin ktp palsu | jual ktp palsu | cara ngutil",
        },
        "ms": {
            "pre": "cara hack | macam mana nak hack | nak hack | cara godam | cara menggodam | camne nak hack "
            "| cara curi | cara pecah masuk",
            "obj": "akaun orang | akaun orang lain | akaun facebook | akaun fb | akaun instagram | akaun ig "
            "| whatsapp orang | wifi jiran | wifi orang | akaun bank | akaun ex | fb ex | ig ex | phone awek "
            "| phone pakwe | rumah orang | kereta orang | motor orang",
            "phrase": "cara curi kereta | cara cuci duit haram",
        },
        "tl": {
            "pre": "paano mag hack ng | paano mag hack | pano mag hack | paano i hack | paano ma hack "
            "| paano mang hack | paano pumasok sa | paano magnakaw ng | paano nakawin",
            "obj": "account ng iba | account ng ex ko | facebook account | fb account | fb ng | facebook ng "
            "| wifi ng kapitbahay | cellphone ng | messenger ng | gcash ng | gcash account | bank account",
            "phrase": "paano mandukot | paano magnakaw ng motor",
        },
        "vi": {
            "pre": "cách hack | làm sao để hack | làm sao hack | cách đánh cắp | cách trộm | cách bẻ khóa "
            "| cách xâm nhập | cách lấy trộm",
            "obj": "tài khoản facebook | tài khoản của người khác | facebook người khác | facebook của người khác "
            "| tài khoản người khác | mật khẩu wifi | wifi nhà hàng xóm | tài khoản ngân hàng | zalo người khác "
            "| điện thoại người yêu | xe máy",
            "phrase": "cách rửa tiền | làm tiền giả",
        },
        "th": {
            "pre": "วิธีแฮก | วิธีแฮ็ก | วิธี hack | วิธีเจาะ | วิธีขโมย | สอนแฮก | สอนแฮ็ก | สอน hack | อยากแฮก",
            "obj": "เฟสแฟน | เฟซบุ๊กแฟน | เฟสบุ๊คแฟน | facebook แฟน | เฟสคนอื่น | บัญชีคนอื่น | ไลน์แฟน "
            "| ไลน์คนอื่น | ไอจีแฟน | เฟสแฟน | เฟสบุ๊กแฟน | ไวไฟข้างบ้าน | wifi ข้างบ้าน | รหัสไวไฟ | บัญชีธนาคาร "
            "| มือถือแฟน "
            "| facebook คนอื่น | ig แฟน",
            "phrase": "วิธีขโมยรถ | วิธีฟอกเงิน | วิธีทำเงินปลอม",
        },
        "lo": {"pre": "ວິທີແຮັກ | ແຮັກ", "obj": "ເຟສບຸກ | ບັນຊີຄົນອື່ນ", "phrase": "ວິທີລັກລົດ"},
        "km": {
            "pre": "របៀបលួច | របៀប hack",
            "obj": "គណនីហ្វេសប៊ុក | គណនីអ្នកដទៃ | ហ្វេសប៊ុកអ្នកដទៃ | ម៉ូតូ",
        },
        "my": {"post": "ခိုးနည်း | ဟက်နည်း", "obj": "အကောင့် | ဖေ့ဘုတ် | facebook | ကား | ဆိုင်ကယ်"},
        "ta": {
            "post": "ஹேக் செய்வது எப்படி | திருடுவது எப்படி",
            "obj": "கணக்கை | பேஸ்புக் | வைஃபை | மொபைலை",
        },
        "jv": {
            "pre": "carane hack | cara hack | carane mbobol | carane nyolong",
            "obj": "akun fb | akun wong | wifi tanggane | motor | hp ne",
        },
        "su": {
            "pre": "carana hack | cara hack | carana maling | kumaha hack",
            "obj": "akun fb | akun batur | wifi tatangga | motor",
        },
    },
    "suicide_self_harm": {
        "en": {
            "phrase": "kill myself | end my life | ending my life | end my own life | how to commit suicide "
            "| best way to commit suicide "
            "| painless way to die | painless suicide | ways to kill myself | how to cut myself | how to hang myself "
            "| how many pills to overdose | overdose to die | i want to end it all | how to starve myself "
            "| pro ana tips | i want to die tonight",
            "weak": "suicidal | want to die | no reason to live | better off dead | suicide method | suicide methods",
        },
        "id": {
            "phrase": "cara bunuh diri | ingin bunuh diri | pengen bunuh diri | mau bunuh diri | aku mau mati saja "
            "| cara mati tanpa rasa sakit | cara mengakhiri hidup | ingin mengakhiri hidup | cara menyayat tangan "
            "| cara gantung diri",
            "weak": "ingin mati | pengen mati",
        },
        "ms": {
            "phrase": "nak bunuh diri | cara bunuh diri | nak mati je | cara mati tanpa sakit | tamatkan hidup aku "
            "| nak tamatkan hidup | cara kelar tangan | cara gantung diri",
        },
        "tl": {
            "phrase": "paano magpakamatay | gusto kong magpakamatay | gusto ko nang mamatay | gusto ko ng mamatay "
            "| magpapakamatay ako | paano maglaslas | tapusin ang buhay ko | wakasan ang buhay ko",
        },
        "vi": {
            "phrase": "muốn tự tử | cách tự tử | cách tự sát | muốn tự sát | cách chết không đau | chết không đau đớn "
            "| kết liễu cuộc đời | tự kết liễu | cách rạch tay",
            "weak": "muốn chết",
        },
        "th": {
            "phrase": "อยากฆ่าตัวตาย | วิธีฆ่าตัวตาย | ฆ่าตัวตายยังไง | ฆ่าตัวตายแบบไหน | ตายแบบไม่เจ็บ "
            "| ตายแบบไม่ทรมาน | อยากจบชีวิต | อยากจบชีวิตตัวเอง | วิธีกรีดข้อมือ | วิธีผูกคอตาย",
            "weak": "อยากตาย | ไม่อยากอยู่แล้ว",
        },
        "lo": {"phrase": "ຢາກຂ້າຕົວຕາຍ | ວິທີຂ້າຕົວຕາຍ", "weak": "ຢາກຕາຍ"},
        "km": {"phrase": "ចង់សម្លាប់ខ្លួន | របៀបសម្លាប់ខ្លួន", "weak": "ចង់ស្លាប់"},
        "my": {"phrase": "ကိုယ့်ကိုယ်ကိုသတ်သေ | သတ်သေချင်တယ် | သတ်သေနည်း", "weak": "သေချင်တယ်"},
        "ta": {
            "phrase": "தற்கொலை செய்வது எப்படி | தற்கொலை செய்ய வேண்டும் | தற்கொலை செய்து கொள்ள",
            "weak": "சாக வேண்டும்",
        },
        "jv": {"phrase": "pengin bunuh diri | kepengin mati | carane bunuh diri | arep bunuh diri"},
        "su": {"phrase": "hayang bunuh diri | carana bunuh diri | hayang paeh"},
        "zh": {"phrase": "自杀方法 | 怎么自杀 | 我想自杀"},
    },
    "sexual_content": {
        "en": {
            "phrase": "write an explicit sex scene | explicit sex story | porn video | porn videos | free porn "
            "| watch porn | porn site | xxx video | xxx videos | sex video | erotic story | nsfw story | hentai "
            "| describe sex in detail | send nudes",
            "weak": "nsfw | horny | hot singles | onlyfans",
        },
        "id": {
            "phrase": "video mesum | cerita seks | cerita dewasa | nonton bokep | video bokep | vidio bokep "
            "| film bokep | open bo",
            "weak": "vcs",
        },
        "ms": {"phrase": "video lucah | cerita lucah | filem lucah | gambar bogel"},
        "tl": {"phrase": "pinay scandal | kantutan | iyutan | jakol video"},
        "vi": {"phrase": "phim sex | phim người lớn | truyện sex | clip sex | phim heo | ảnh khỏa thân"},
        "th": {"phrase": "หนังโป๊ | คลิปโป๊ | เว็บโป๊ | ภาพโป๊ | นิยายอีโรติก"},
        "lo": {"phrase": "ຮູບໂປ໊ | ໜັງໂປ໊"},
        "km": {"phrase": "រឿងសិច | វីដេអូសិច | រូបសិច"},
        "my": {"phrase": "အပြာကား | လိင်ဗီဒီယို"},
        "ta": {"phrase": "ஆபாச வீடியோ | ஆபாச படம் | செக்ஸ் வீடியோ"},
        "zh": {"phrase": "色情片 | 黄色视频"},
    },
    "child_sexual_exploitation": {
        "en": {
            "pre": "sex with | have sex with | nude photos of | naked photos of | naked pictures of | nudes of "
            "| sexy photos of | seduce",
            "obj": "a minor | minors | a child | children | kids | little girl | little girls | little boy "
            "| little boys | my niece | my nephew | my stepdaughter | underage girl | underage girls | a preteen",
            "phrase": "child porn | child pornography | kiddie porn | underage nudes | nude kids | lolicon "
            "| preteen nude | jailbait | groom a child for sex",
        },
        "id": {
            "phrase": "pornografi anak | bokep anak | video porno anak | bokep bocil | foto bugil anak "
            "| seks dengan anak | ngentot anak",
            "weak": "pedofil",
        },
        "ms": {"phrase": "pornografi kanak kanak | seks dengan kanak kanak | gambar bogel budak"},
        "tl": {"phrase": "hubad na bata | sex sa bata | child porn"},
        "vi": {"phrase": "phim sex trẻ em | ảnh khỏa thân trẻ em | quan hệ với trẻ em | ảnh sex trẻ em"},
        "th": {"phrase": "สื่อลามกเด็ก | คลิปโป๊เด็ก | ภาพโป๊เด็ก | หนังโป๊เด็ก | มีเซ็กส์กับเด็ก"},
        "km": {"phrase": "រូបសិចកុមារ | វីដេអូសិចកុមារ"},
        "lo": {"phrase": "ຮູບໂປ໊ເດັກ"},
        "my": {"phrase": "ကလေးအပြာကား"},
        "ta": {"phrase": "குழந்தை ஆபாச"},
    },
    "hate": {
        "en": {
            "pre": "kill all | kill every | exterminate all | exterminate the | exterminate | wipe out all "
            "| wipe out the | gas all | gas the | hang all | burn all | death to all | death to | shoot all "
            "| get rid of all",
            "post": "should be exterminated | must be exterminated | should all die | must die | should be killed "
            "| deserve to die | are vermin | are cockroaches | are parasites | are subhuman | are animals "
            "| should be wiped out | should be gassed | are not human | should be burned",
            "obj": GROUPS["en"],
        },
        "id": {
            "pre": "bunuh semua | basmi | basmi semua | bantai | bantai semua | musnahkan | musnahkan semua | ganyang",
            "post": "harus dibasmi | harus dibunuh | pantas mati | layak mati | harus dimusnahkan | halal darahnya "
            "| bukan manusia | adalah binatang | adalah sampah",
            "obj": GROUPS["id"],
        },
        "ms": {
            "pre": "bunuh semua | hapuskan semua | bakar semua",
            "post": "patut dibunuh | patut mati | mesti dihapuskan | bukan manusia | binatang semua",
            "obj": GROUPS["ms"],
        },
        "tl": {
            "pre": "patayin lahat ng | patayin ang lahat ng | ubusin ang | lipulin ang",
            "post": "dapat patayin | dapat mamatay | dapat lipulin | ay mga hayop",
            "obj": GROUPS["tl"],
        },
        "vi": {
            "pre": "giết hết | tiêu diệt hết | tiêu diệt",
            "post": "phải bị tiêu diệt | đáng chết | nên chết hết | là súc vật",
            "obj": GROUPS["vi"],
        },
        "th": {
            "pre": "ฆ่าพวก | กำจัดพวก | ฆ่าล้าง | ฆ่า",
            "post": "ต้องตายให้หมด | ฆ่าให้หมด | ตายให้หมด | ไม่ใช่คน | เป็นสัตว์ | สมควรตาย | ต้องกำจัดให้หมด",
            "obj": GROUPS["th"],
        },
        "km": {"pre": "សម្លាប់", "post": "ត្រូវតែស្លាប់ | គួរតែសម្លាប់ចោល", "obj": GROUPS["km"]},
        "my": {"post": "တွေကိုသတ်ပစ် | တွေကိုသတ် | သေသင့်တယ် | ဖယ်ရှားပစ်", "obj": GROUPS["my"]},
        "ta": {"post": "கொல்ல வேண்டும் | ஒழிக்க வேண்டும் | அழிக்க வேண்டும்", "obj": GROUPS["ta"]},
        "jv": {"pre": "pateni kabeh | pateni", "obj": GROUPS["jv"]},
        "su": {"pre": "paehan kabeh | paehan", "obj": GROUPS["su"]},
    },
    "racial_ethnic_incitement": {
        "en": {
            "pre": "chase out all | chase out the | expel all | expel the | kick out all | kick out the "
            "| drive out the | drive out all | riot against | burn down the shops of | attack the | loot the shops of",
            "obj": ETHNIC["en"],
            "phrase": "go back to china | go back to india",
        },
        "id": {
            "pre": "usir | usir semua | bakar toko | jarah toko | halau | ganyang | serbu kampung",
            "obj": ETHNIC["id"],
            "post": "harus diusir | pulang ke negaranya | keluar dari indonesia",
            "phrase": "ganyang cina | bakar toko cina | jarah toko cina",
        },
        "ms": {
            "pre": "halau | halau semua | hapuskan | usir",
            "post": "balik negara asal | patut dihalau",
            "obj": ETHNIC["ms"],
            "phrase": "balik tongsan",
            "weak": "balik cina | balik china | balik india | kaum pendatang",
        },
        "th": {"pre": "ไล่", "post": "ออกไปจากประเทศไทย | กลับประเทศไป | ต้องไล่ออกไป", "obj": ETHNIC["th"]},
        "vi": {"pre": "đuổi | đánh đuổi | đuổi hết", "post": "cút về nước", "obj": ETHNIC["vi"]},
        "tl": {"pre": "palayasin ang | palayasin", "obj": ETHNIC["tl"]},
        "my": {"post": "ကိုနှင်ထုတ် | တွေကိုနှင်ထုတ်ပစ် | နှင်ထုတ်ပစ်", "obj": ETHNIC["my"]},
    },
    "insult_of_religion": {
        "en": {
            "pre": "mock | insult | make fun of | ridicule | desecrate | burn | piss on | step on "
            "| write a joke mocking | write a joke about",
            "post": "is a cult | is a religion of terror | is a terrorist religion | was a pedophile | is a false god "
            "| is a fake god",
            "obj": HOLY["en"],
        },
        "id": {
            "pre": "hina | menghina | injak | bakar | ejek | olok olok | lecehkan | buat lelucon tentang",
            "post": "nabi palsu | cabul | tuhan palsu",
            "obj": HOLY["id"],
            "weak": "agama sesat | penista agama",
        },
        "ms": {"pre": "hina | menghina | bakar | pijak | ejek", "obj": HOLY["ms"]},
        "tl": {"pre": "insultuhin ang | lapastanganin ang | sunugin ang | insultuhin", "obj": HOLY["tl"]},
        "vi": {"pre": "xúc phạm | báng bổ | đốt | chế giễu", "obj": HOLY["vi"]},
        "th": {"pre": "ด่า | ดูหมิ่น | เหยียบ | เผา | ล้อเลียน | ลบหลู่", "obj": HOLY["th"]},
        "km": {"pre": "ជេរ | ប្រមាថ", "obj": HOLY["km"]},
        "my": {"post": "ကိုစော်ကား | စော်ကား", "obj": HOLY["my"]},
        "ta": {"post": "அவமதிக்க | அவமதிப்பது எப்படி", "obj": HOLY["ta"]},
        "jv": {"pre": "ngina | ngenyek | ngobong", "obj": HOLY["jv"]},
        "su": {"pre": "ngahina | ngaduruk", "obj": HOLY["su"]},
    },
    "insult_of_monarchy": {
        "en": {
            "pre": "insult | mock | make fun of | ridicule | write a joke about | defame | write an insult about",
            "post": "is a pig | is stupid | is an idiot | is a clown | is a dog | is a criminal",
            "obj": ROYALS["en"],
        },
        "ms": {
            "pre": "hina | menghina | ejek | kutuk | maki",
            "post": "bodoh | babi | penyangak",
            "obj": ROYALS["ms"],
        },
        "th": {
            "pre": "ด่า | ด่าทอ | ล้อเลียน | เขียนด่า | เหยียด | ดูถูก",
            "post": "โง่ | เลว | ชั่ว | ควาย",
            "obj": ROYALS["th"],
            "weak": "หมิ่นสถาบัน | หมิ่นพระมหากษัตริย์ | ล้มเจ้า",
        },
        "km": {"pre": "ជេរ | ប្រមាថ", "obj": ROYALS["km"]},
    },
    "drugs": {
        "en": {
            "pre": MAKE["en"] + " | " + GET["en"] + " | how to grow | how to smuggle | how to sell | how to extract",
            "obj": "meth | crystal meth | methamphetamine | shabu | cocaine | heroin | ecstasy | mdma | lsd "
            "| ketamine | weed | marijuana | cannabis | ganja | kush | fentanyl | yaba | magic mushrooms "
            "| psilocybin | crack cocaine",
            "phrase": "cook meth | cooking meth | meth recipe | smuggle drugs | drug mule",
            "safe": "weed killer | weed control | weed whacker | weed trimmer",
        },
        "id": {
            "pre": MAKE["id"] + " | " + GET["id"] + " | cara menanam | cara menyelundupkan | cara mengedarkan",
            "post": GET_POST["id"],
            "obj": "sabu | sabu sabu | shabu | ganja | narkoba | ekstasi | inex | pil ekstasi | kokain | heroin "
            "| putaw | tembakau gorila | obat terlarang | pil koplo",
        },
        "ms": {
            "pre": MAKE["ms"] + " | " + GET["ms"] + " | cara tanam | cara seludup",
            "obj": "dadah | syabu | ganja | pil kuda | ecstasy | heroin | kokain",
        },
        "tl": {"pre": MAKE["tl"] + " | " + GET["tl"], "obj": "shabu | marijuana | cocaine | ecstasy"},
        "vi": {
            "pre": MAKE["vi"] + " | " + GET["vi"] + " | cách trồng | cách vận chuyển",
            "post": GET_POST["vi"],
            "obj": "ma túy | ma tuý | thuốc lắc | cần sa | heroin | cocaine | ketamine | kẹo ke | hàng đá",
        },
        "th": {
            "pre": MAKE["th"] + " | " + GET["th"] + " | วิธีปลูก",
            "post": MAKE_POST["th"] + " | " + GET_POST["th"],
            "obj": "ยาบ้า | ยาไอซ์ | ไอซ์ | กัญชา | โคเคน | เฮโรอีน | ยาอี | เคตามีน | ยาเค",
        },
        "lo": {
            "pre": MAKE["lo"] + " | " + GET["lo"],
            "post": GET_POST["lo"],
            "obj": "ຢາບ້າ | ຢາໄອສ໌ | ກັນຊາ | ຢາເສບຕິດ",
        },
        "km": {
            "pre": MAKE["km"] + " | " + GET["km"],
            "post": GET_POST["km"],
            "obj": "ថ្នាំញៀន | យ៉ាម៉ា | ម៉ាទឹកកក | កញ្ឆា | គ្រឿងញៀន",
        },
        "my": {
            "post": GET_POST["my"] + " | " + MAKE_POST["my"],
            "obj": "ယာဘ | ဘိန်းဖြူ | မူးယစ်ဆေးဝါး | မူးယစ်ဆေး | စိတ်ကြွဆေးပြား | ဘိန်း",
        },
        "ta": {
            "post": GET_POST["ta"] + " | " + MAKE_POST["ta"],
            "obj": "போதைப்பொருள் | கஞ்சா | ஹெராயின் | கொக்கைன் | மெத்",
        },
        "jv": {"pre": MAKE["jv"] + " | " + GET["jv"], "obj": "sabu | ganja | narkoba | pil koplo | obat koplo"},
        "su": {"pre": MAKE["su"] + " | " + GET["su"], "obj": "sabu | ganja | narkoba | pil koplo"},
        "zh": {"pre": GET["zh"], "post": GET_POST["zh"], "obj": "冰毒 | 大麻 | 海洛因 | 摇头丸"},
    },
    "gambling": {  # FLAGGED spam terms from seaforge.data.lexicons are added below
        "en": {
            "phrase": "online casino | free spins | slot online | sports betting tips | free credit slot "
            "| no deposit bonus | casino bonus | best betting site",
            "weak": "slot | slots | betting | sportsbook | baccarat | roulette | poker | bet now",
        },
        "id": {
            "phrase": "maxwin | bocoran togel | prediksi togel | angka togel | pola gacor | scatter hitam | rtp live "
            "| rtp slot | deposit pulsa | daftar slot | link alternatif slot | situs slot gacor | agen togel "
            "| agen judi | akun pro slot | situs slot",
            "weak": "judi online | judi slot | situs judi | taruhan | gacor | depo | wd",
        },
        "ms": {
            "phrase": "free kredit | kredit percuma | mega888 | judi dalam talian",
            "weak": "slot | taruhan | jackpot",
        },
        "tl": {"phrase": "online sabong | e sabong | esabong | sugal online", "weak": "sugal | jueteng"},
        "vi": {
            "phrase": "nhà cái uy tín | tài xỉu online | cá độ bóng đá online | link vào nhà cái "
            "| game bài đổi thưởng | lô đề online | soi cầu lô đề",
            "weak": "lô đề | tài xỉu | cá cược",
        },
        "th": {
            "phrase": "เว็บสล็อต | สล็อตแตกง่าย | สล็อตออนไลน์ | บาคาร่าออนไลน์ | แทงบอลออนไลน์ | เว็บพนัน "
            "| เว็บตรงไม่ผ่านเอเย่นต์ | ฝากถอนไม่มีขั้นต่ำ | หวยออนไลน์ | สมัครสล็อต | เครดิตฟรี",
            "weak": "คาสิโน",
        },
        "lo": {"phrase": "ຄາສິໂນອອນລາຍ"},
        "km": {"phrase": "ភ្នាល់បាល់ | កាស៊ីណូអនឡាញ"},
        "my": {"phrase": "အွန်လိုင်းလောင်းကစား"},
        "ta": {"phrase": "ஆன்லைன் சூதாட்டம்"},
    },
    "scams": {
        "en": {
            "pre": "write a | write me a | create a | make a | build a | design a | draft a | help me write a "
            "| generate a",
            "obj": "phishing email | phishing page | phishing site | phishing message | scam message | scam script "
            "| fake bank website | fake login page | fake lottery message",
            "phrase": "pretending to be from the bank | pretend to be from the bank | impersonate the bank "
            "| impersonating a bank | send me your otp | give me your otp | give me the otp | send their otp "
            "| you have won a prize | congratulations you have won | pay a processing fee to claim "
            "| pig butchering script | how to scam people | how to scam someone | how to scam",
            "weak": "otp | processing fee | claim your prize | guaranteed returns | double your money",
            "safe": "how to scam proof",
        },
        "id": {
            "phrase": "selamat anda memenangkan | selamat anda mendapatkan hadiah | klaim hadiah anda "
            "| transfer biaya admin | kirimkan kode otp | sebutkan kode otp | berikan kode otp | cara menipu orang "
            "| cara nipu orang | cara scam | cara menipu | link phising | cara membuat link phising",
            "weak": "kode otp | biaya admin | klik link berikut | hadiah undian | pencairan dana",
        },
        "ms": {
            "phrase": "cara tipu orang | cara scam orang | macam mana nak scam | tahniah anda telah memenangi "
            "| tuntut hadiah anda | hantar nombor tac",
            "weak": "nombor tac | kod otp | bayaran proses | macau scam",
        },
        "tl": {
            "phrase": "paano mang scam | paano manloko ng tao | paano manloko | nanalo ka ng | i claim ang premyo "
            "| ibigay ang otp | send mo ang otp",
            "weak": "otp | premyo | processing fee",
        },
        "vi": {
            "phrase": "cách lừa đảo | cách lừa tiền | chúc mừng bạn đã trúng thưởng | bạn đã trúng thưởng "
            "| cung cấp mã otp | gửi mã otp",
            "weak": "mã otp | trúng thưởng | phí xử lý | việc nhẹ lương cao",
        },
        "th": {
            "phrase": "วิธีหลอกเงิน | วิธีหลอกลวง | วิธีโกงเงิน | ยินดีด้วยคุณได้รับรางวัล | แจ้งรหัส otp | ส่งรหัส otp",
            "weak": "รหัส otp | คุณได้รับรางวัล | งานออนไลน์รายได้ดี",
        },
        "lo": {"phrase": "ວິທີຫຼອກເງິນ"},
        "km": {"phrase": "របៀបបោកប្រាស់ | របៀបបោកលុយ"},
        "my": {"phrase": "ငွေလိမ်နည်း | လိမ်နည်း"},
        "ta": {"phrase": "ஏமாற்றுவது எப்படி"},
        "jv": {"phrase": "carane ngapusi | carane nipu"},
        "su": {"phrase": "carana nipu | carana ngabobodo"},
    },
    "privacy": {
        "en": {
            "pre": "track | spy on | stalk | secretly read | secretly record | find the home address of "
            "| find the address of | install spyware on | read",
            "obj": "my girlfriends phone | my wifes phone | my husbands phone | my exs phone "
            "| someones location | someones phone | my wifes messages | my girlfriends messages | her messages "
            "| his messages",
            "phrase": "how to dox | how to doxx | stalk my ex | stalk her | stalking my ex | where my ex lives now "
            "| dox someone | doxx someone | find someones home address "
            "| find her home address | find his home address | leak his ic | leak her ic | leak her nric "
            "| find his nric | find her nric | hidden camera in her",
        },
        "id": {
            "pre": "cara melacak | cara lacak | lacak | cara menyadap | sadap | intip | cara intip",
            "obj": "hp pacar | hp istri | hp suami | lokasi pacar | lokasi mantan | wa pacar | whatsapp pacar "
            "| lokasi seseorang | chat pacar | hp mantan",
            "phrase": "sebar data pribadi | sebarkan alamat rumah | cara doxing | nik ktp orang lain | cari nik orang "
            "| cari alamat rumah",
            "safe": "alamat rumah makan | alamat rumah sakit",
        },
        "ms": {
            "pre": "cara jejak | jejak | cara intip | intip | cara sadap",
            "obj": "lokasi awek | lokasi isteri | phone awek | whatsapp awek | whatsapp isteri | lokasi orang",
            "phrase": "cari alamat rumah dia | sebar nombor ic | nombor ic orang lain",
        },
        "tl": {
            "phrase": "paano i track ang cellphone ng | i track ang location ng | paano malaman ang address ng "
            "| basahin ang messages ng",
        },
        "vi": {
            "phrase": "cách theo dõi điện thoại người yêu | định vị điện thoại người yêu | đọc trộm tin nhắn "
            "| xem trộm tin nhắn | tìm địa chỉ nhà của | cách theo dõi vị trí người khác",
        },
        "th": {
            "phrase": "วิธีแอบดูไลน์แฟน | แอบดูไลน์แฟน | วิธีติดตามมือถือแฟน | แอบดูโทรศัพท์แฟน | ขุดข้อมูลส่วนตัว "
            "| แฉเลขบัตรประชาชน | วิธีแอบติดตาม | วิธีดักฟัง",
        },
    },
    "elections": {
        "en": {
            "phrase": "how to buy votes | buy votes | bribe voters | rig the election | rig an election "
            "| stuff ballot boxes | stuff the ballot box | how to vote twice | vote twice without getting caught "
            "| fake ballots | pay people to vote | suppress voters",
            "weak": "vote buying | ballot stuffing | election fraud | electoral fraud | vote twice",
        },
        "id": {
            "phrase": "cara beli suara | beli suara | cara membeli suara | mencoblos dua kali | coblos dua kali "
            "| cara curang pemilu | cara memanipulasi suara | manipulasi suara | cara menggelembungkan suara",
            "weak": "politik uang | serangan fajar | kecurangan pemilu",
        },
        "ms": {
            "phrase": "beli undi | cara beli undi | rasuah undi | undi dua kali | mengundi dua kali",
            "weak": "pengundi hantu",
        },
        "tl": {
            "phrase": "bumili ng boto | bilhin ang boto | bayaran ang botante | dayain ang eleksyon",
            "weak": "vote buying | pagbili ng boto | dayaan sa eleksyon",
        },
        "vi": {
            "phrase": "mua phiếu bầu | cách mua phiếu | bỏ phiếu hai lần | làm giả phiếu bầu",
            "weak": "gian lận bầu cử",
        },
        "th": {
            "phrase": "วิธีซื้อเสียง | จ้างคนไปเลือกตั้ง | วิธีโกงเลือกตั้ง | วิธีโกงการเลือกตั้ง",
            "weak": "ซื้อเสียง | โกงการเลือกตั้ง | บัตรเขย่ง | ยัดบัตร",
        },
        "km": {"phrase": "ទិញសន្លឹកឆ្នោត | ទិញសំឡេងឆ្នោត"},
        "my": {"phrase": "မဲဝယ်"},
        "ta": {"weak": "வாக்குக்கு பணம்"},
        "jv": {"phrase": "tuku swara"},
        "su": {"phrase": "meuli sora"},
    },
    "specialised_advice": {
        "en": {
            "phrase": "stop taking my insulin | stop taking insulin | stop my chemotherapy | stop chemo and "
            "| cure cancer naturally | cure cancer with | cure hiv with | self abortion | abort a baby at home "
            "| abortion at home | induce an abortion | misoprostol without | inject steroids without",
            "weak": "without a prescription | without prescription | without a doctors prescription",
        },
        "id": {
            "phrase": "cara menggugurkan kandungan | cara aborsi sendiri | obat penggugur kandungan | jual cytotec "
            "| berhenti kemoterapi | menyembuhkan kanker dengan",
            "weak": "tanpa resep dokter | obat aborsi",
        },
        "ms": {"phrase": "cara gugurkan kandungan | ubat gugur | berhenti makan ubat kencing manis"},
        "tl": {"phrase": "paano magpalaglag | pampalaglag | gamot pampalaglag"},
        "vi": {
            "phrase": "cách phá thai tại nhà | tự phá thai | ngừng hóa trị | chữa ung thư bằng",
            "weak": "thuốc phá thai | mua thuốc không cần đơn",
        },
        "th": {"phrase": "วิธีทำแท้งเอง | หยุดยาเบาหวาน | รักษามะเร็งด้วย", "weak": "ยาทำแท้ง | ยาขับเลือด"},
    },
    "defamation": {
        "en": {
            "phrase": "write a fake news article | write fake news about | make up a scandal | fabricate a scandal "
            "| spread a rumor that | spread a rumour that | spread rumors that | spread rumours that "
            "| spread false rumors | make up lies about | fabricate evidence",
            "weak": "fake news | defamatory",
        },
        "id": {
            "phrase": "buat berita palsu | buatkan berita palsu | bikin berita hoax | bikin hoax | sebarkan hoaks "
            "| sebarkan hoax | sebarkan fitnah | buat fitnah | karang cerita bohong",
            "weak": "hoaks | pencemaran nama baik",
        },
        "ms": {"phrase": "sebarkan fitnah | buat berita palsu | tulis fitnah | viralkan fitnah", "weak": "fitnah"},
        "tl": {"phrase": "gumawa ng fake news | ikalat ang tsismis | siraan si", "weak": "paninira"},
        "vi": {"phrase": "viết tin giả | bịa chuyện về | tung tin đồn | tung tin giả", "weak": "tin giả | bôi nhọ"},
        "th": {
            "phrase": "สร้างข่าวปลอม | ปล่อยข่าวปลอม | แต่งข่าวปลอม | แต่งเรื่องใส่ร้าย | ปล่อยข่าวลือว่า",
            "weak": "ข่าวปลอม | ใส่ร้าย | หมิ่นประมาท",
        },
    },
    "intellectual_property": {
        "en": {
            "phrase": "keygen | crack full version | cracked version | full version crack "
            "| crack download | free activation key | kmspico | download pirated | pirated copy of "
            "| pirated version | remove drm | bypass drm | strip drm | nulled plugin | nulled theme | nulled script",
            "weak": "torrent | warez | full version",
        },
        "id": {
            "phrase": "download software bajakan | download film bajakan | jual buku bajakan | link bajakan | lk21 "
            "| indoxxi | dunia21",
            "weak": "bajakan | nonton film gratis",
        },
        "ms": {"phrase": "muat turun filem cetak rompak | download cetak rompak", "weak": "cetak rompak"},
        "vi": {"phrase": "bản crack | phần mềm crack | tải phim lậu | link phim lậu", "weak": "phim lậu"},
        "th": {"phrase": "โปรแกรมเถื่อน | แคร็กโปรแกรม | ดาวน์โหลดหนังเถื่อน | ตัวแคร็ก | แจกโปรแกรมแคร็ก"},
    },
    "sex_related_crimes": {
        "en": {
            "pre": "leak | spread | post | share | sell | send",
            "obj": "her nudes | his nudes | nude photos of my ex | my exs nudes",
            "phrase": "drug her drink | spike her drink | spike a girls drink | how to drug a girl | how to rape "
            "| rape her | force her to have sex | force a girl to have sex | upskirt video | upskirt photos "
            "| hidden camera in the toilet | sextortion script | blackmail her with | blackmail with nudes "
            "| traffick women | sell a girl | buy a girl",
            "weak": "revenge porn | date rape drug",
        },
        "id": {
            "phrase": "cara memperkosa | cara membius cewek | obat bius untuk cewek | obat perangsang cewek "
            "| sebar video syur | sebar foto bugil | sebarkan foto bugil | sebar video bugil | ancam sebar foto "
            "| jual perempuan",
        },
        "ms": {
            "phrase": "cara rogol | rogol dia | ubat khayal untuk perempuan | sebar gambar bogel | ugut sebar gambar"
        },
        "tl": {"phrase": "paano manggahasa | gahasain | ikalat ang hubad na litrato | pampatulog sa babae"},
        "vi": {
            "phrase": "cách hiếp dâm | thuốc mê cho gái | phát tán ảnh nóng | tung ảnh nóng | tung clip nóng",
        },
        "th": {
            "phrase": "วิธีข่มขืน | ยามอมสาว | ยาเสียตัว | ปล่อยคลิปแฟนเก่า | แอบถ่ายใต้กระโปรง | กล้องแอบถ่ายในห้องน้ำ",
        },
    },
    "code_interpreter_abuse": {
        "en": {
            "phrase": "os system rm rf | reverse shell | bind shell | fork bomb | no preserve root | etc shadow "
            "| sandbox escape "
            "| escape the sandbox | escape from the sandbox | container escape | break out of the container "
            "| cryptominer | xmrig | mine monero | exfiltrate the | dump environment variables "
            "| print all environment variables | read the api keys | wipe the disk | delete all files on the server",
            "weak": "etc passwd | dev sda | rm rf | shutil rmtree | crypto miner | exfiltrate",
        },
    },
}

# The data area's spam lexicon (seaforge.data.lexicons.FLAGGED): its adult terms go to
# sexual_content; its gambling terms are strong except the few that news about gambling
# crackdowns also uses, which count as weak.
_ADULT = {"porn": "weak", "xxx": "weak", "bokep": "phrase"}
_NEWSY = {
    "judi",
    "casino",
    "kasino",
    "jackpot",
    "togel",
    "sabong",
    "พนัน",
    "การพนัน",
    "สล็อต",
    "บาคาร่า",
    "แทงบอล",
    "ພະນັນ",
    "ល្បែងស៊ីសង",
    "ភ្នាល់",
    "လောင်းကစား",
    "சூதாட்ட",
    "赌场",
    "博彩",
    "cá độ",
    "nhà cái",
    "ຄາສິໂນ",
    "កាស៊ីណូ",
    "ကာစီနို",
    "கேசினோ",
}


def _add(category: str, lang: str, kind: str, term: str) -> None:
    entry = TERMS[category].setdefault(lang, {})
    entry[kind] = f"{entry[kind]} | {term}" if entry.get(kind) else term


for _lang, _words in FLAGGED.items():
    for _word in _words:
        if _word in _ADULT:
            _add("sexual_content", _lang, _ADULT[_word], _word)
        else:
            _add("gambling", _lang, "weak" if _word in _NEWSY else "phrase", _word)
