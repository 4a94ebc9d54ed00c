"""Generate realistic multilingual web-like documents for tests, the demo and the benchmark.

Every phrase here was written by the seaforge team. Sentences are composed from per-language
phrase banks (subject, action, place, time: 6**4 = 1296 sentences per language), so random
documents rarely share a sentence; we then plant what real crawls contain: navigation and
cookie lines, footers, exact duplicates, near-duplicates, PII, gambling spam, tables of
numbers and too-short pages. Each record carries its ground truth in ``meta`` so tests and the
benchmark can score the pipeline.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import orjson

# (subjects, actions, places, times, cost sentence, word order, sentence end, joiner)
# order: S=subject A=action P=place T=time. Joiner "" for scripts written without spaces.
BANKS: dict[str, dict] = {
    "id": dict(
        S=["Pak Budi", "Ibu Sari", "Warga desa", "Para mahasiswa", "Petugas kesehatan", "Pedagang kecil"],
        A=[
            "membeli beras dan minyak goreng",
            "memperbaiki jembatan yang rusak",
            "mengikuti pelatihan komputer gratis",
            "menanam pohon mangga",
            "membayar pajak kendaraan",
            "menjual kue tradisional",
        ],
        P=[
            "di pasar Kramat Jati",
            "di balai desa",
            "di dekat stasiun Bogor",
            "di pinggir sungai Musi",
            "di alun-alun kota",
            "di kantor kecamatan",
        ],
        T=[
            "pada Senin pagi",
            "sejak awal bulan ini",
            "setiap akhir pekan",
            "kemarin sore",
            "sebelum Lebaran",
            "tahun lalu",
        ],
        cost="Biayanya sekitar {n} ribu rupiah dan itu sudah termasuk ongkos kirim.",
        order="SAPT",
        end=".",
        nav="Beranda | Berita | Olahraga | Hubungi Kami",
        cookie="Situs ini menggunakan cookie untuk meningkatkan pengalaman Anda. Terima semua cookie?",
        title="Kabar Warga",
        more="Baca juga: berita lainnya dari daerah Anda",
        pii="Untuk informasi lebih lanjut hubungi {name} di {phone} atau email {email}.",
        spam=["slot gacor hari ini", "situs judi online terpercaya", "bandar togel resmi", "daftar slot maxwin"],
        price="Harga {item} di {city} {dir} {n} persen {when}.",
        DIR=["naik", "turun"],
        ITEM=["beras", "cabai merah", "bawang putih", "telur ayam", "minyak goreng", "gula pasir"],
        CITY=["Medan", "Surabaya", "Makassar", "Palembang", "Semarang", "Pontianak"],
        WHEN=[
            "dibandingkan bulan lalu",
            "menjelang akhir tahun",
            "selama musim kemarau",
            "setelah panen raya",
            "dalam dua minggu terakhir",
            "sejak harga BBM berubah",
        ],
    ),
    "ms": dict(
        S=[
            "Encik Ahmad",
            "Puan Rohana",
            "Penduduk kampung",
            "Pelajar universiti",
            "Pegawai majlis",
            "Peniaga pasar malam",
        ],
        A=[
            "membeli ikan dan sayur-sayuran",
            "membaiki bumbung surau",
            "menghadiri kursus memasak",
            "menanam pokok durian",
            "membayar bil elektrik",
            "menjual nasi lemak",
        ],
        P=[
            "di pasar Chow Kit",
            "di dewan orang ramai",
            "berhampiran stesen LRT",
            "di tepi Sungai Klang",
            "di pusat bandar",
            "di pejabat daerah",
        ],
        T=[
            "pada pagi Isnin",
            "sejak awal bulan ini",
            "setiap hujung minggu",
            "petang semalam",
            "sebelum Hari Raya",
            "tahun lepas",
        ],
        cost="Kosnya kira-kira RM{n} dan ia telah dibayar oleh persatuan.",
        order="SAPT",
        end=".",
        nav="Utama | Berita | Sukan | Hubungi Kami",
        cookie="Laman web ini menggunakan kuki untuk pengalaman yang lebih baik. Terima semua kuki?",
        title="Berita Komuniti",
        more="Baca juga: berita lain di kawasan anda",
        pii="Sila hubungi {name} di talian {phone} atau e-mel {email} untuk maklumat lanjut.",
        spam=["judi bola dalam talian", "kasino online terbaik", "slot mudah menang", "daftar akaun judi"],
        price="Harga {item} di {city} {dir} {n} peratus {when}.",
        DIR=["naik", "turun"],
        ITEM=["beras", "cili merah", "bawang putih", "telur ayam", "minyak masak", "gula"],
        CITY=["Ipoh", "Johor Bahru", "Kuching", "Kota Bharu", "Melaka", "Alor Setar"],
        WHEN=[
            "berbanding bulan lepas",
            "menjelang hujung tahun",
            "semasa musim kemarau",
            "selepas musim menuai",
            "dalam dua minggu kebelakangan ini",
            "sejak harga minyak berubah",
        ],
    ),
    "tl": dict(
        S=[
            "si Mang Jose",
            "si Aling Nena",
            "ang mga taga-baryo",
            "ang mga estudyante",
            "ang mga health worker",
            "ang maliliit na negosyante",
        ],
        A=[
            "Bumili ng bigas at isda",
            "Nag-ayos ng sirang tulay",
            "Dumalo sa libreng pagsasanay sa kompyuter",
            "Nagtanim ng puno ng mangga",
            "Nagbayad ng buwis sa sasakyan",
            "Nagtinda ng kakanin",
        ],
        P=[
            "sa palengke ng Quiapo",
            "sa barangay hall",
            "malapit sa istasyon ng MRT",
            "sa tabi ng ilog Pasig",
            "sa plaza ng bayan",
            "sa munisipyo",
        ],
        T=[
            "noong Lunes ng umaga",
            "mula pa sa simula ng buwan",
            "tuwing katapusan ng linggo",
            "kahapon ng hapon",
            "bago mag-Pasko",
            "noong isang taon",
        ],
        cost="Umabot sa {n} piso ang gastos at hinati ito ng mga kasapi.",
        order="ASPT",
        end=".",
        nav="Home | Balita | Palakasan | Makipag-ugnayan",
        cookie="Gumagamit ang site na ito ng cookies para sa mas magandang karanasan. Tanggapin ang lahat ng cookies?",
        title="Balitang Pangkomunidad",
        more="Basahin din: iba pang balita sa inyong lugar",
        pii="Para sa karagdagang impormasyon, tawagan si {name} sa {phone} o mag-email sa {email}.",
        spam=["online sabong ngayon", "pinakamahusay na online casino", "libreng taya sa slot", "manalo ng jackpot"],
        price="{dir} ng {n} porsiyento ang presyo ng {item} sa {city} {when}.",
        DIR=["Tumaas", "Bumaba"],
        ITEM=["bigas", "siling labuyo", "bawang", "itlog", "mantika", "asukal"],
        CITY=["Cebu", "Davao", "Iloilo", "Baguio", "Bacolod", "Zamboanga"],
        WHEN=[
            "kumpara noong nakaraang buwan",
            "bago matapos ang taon",
            "ngayong tag-init",
            "pagkatapos ng anihan",
            "sa nakalipas na dalawang linggo",
            "mula nang magbago ang presyo ng gasolina",
        ],
    ),
    "vi": dict(
        S=[
            "Anh Minh",
            "Chị Lan",
            "Người dân trong xóm",
            "Các bạn sinh viên",
            "Nhân viên y tế",
            "Những người bán hàng rong",
        ],
        A=[
            "mua gạo và nước mắm",
            "sửa lại cây cầu bị hỏng",
            "tham gia lớp học tin học miễn phí",
            "trồng cây xoài",
            "đóng thuế xe máy",
            "bán bánh chưng",
        ],
        P=[
            "ở chợ Bến Thành",
            "tại nhà văn hóa phường",
            "gần ga Hà Nội",
            "bên bờ sông Hương",
            "ở quảng trường thành phố",
            "tại ủy ban xã",
        ],
        T=["vào sáng thứ Hai", "từ đầu tháng này", "mỗi cuối tuần", "chiều hôm qua", "trước Tết", "năm ngoái"],
        cost="Chi phí khoảng {n} nghìn đồng và đã được hội phụ nữ hỗ trợ.",
        order="SAPT",
        end=".",
        nav="Trang chủ | Tin tức | Thể thao | Liên hệ",
        cookie="Trang web này sử dụng cookie để cải thiện trải nghiệm của bạn. Chấp nhận tất cả cookie?",
        title="Tin cộng đồng",
        more="Xem thêm: các tin khác trong khu vực của bạn",
        pii="Mọi thông tin xin liên hệ {name} qua số {phone} hoặc email {email}.",
        spam=["nhà cái uy tín nhất", "cá độ bóng đá trực tuyến", "nổ hũ đổi thưởng", "casino trực tuyến"],
        price="Giá {item} ở {city} {dir} {n} phần trăm {when}.",
        DIR=["tăng", "giảm"],
        ITEM=["gạo", "ớt", "tỏi", "trứng gà", "dầu ăn", "đường"],
        CITY=["Đà Nẵng", "Cần Thơ", "Hải Phòng", "Huế", "Nha Trang", "Vinh"],
        WHEN=[
            "so với tháng trước",
            "vào dịp cuối năm",
            "trong mùa khô",
            "sau vụ thu hoạch",
            "trong hai tuần qua",
            "kể từ khi giá xăng thay đổi",
        ],
    ),
    "th": dict(
        S=["คุณสมชาย", "คุณมาลี", "ชาวบ้านในหมู่บ้าน", "นักศึกษามหาวิทยาลัย", "เจ้าหน้าที่สาธารณสุข", "แม่ค้าในตลาด"],
        A=["ซื้อข้าวสารและน้ำปลา", "ซ่อมสะพานที่ชำรุด", "เข้าร่วมการอบรมคอมพิวเตอร์ฟรี", "ปลูกต้นมะม่วง", "จ่ายภาษีรถยนต์", "ขายขนมไทย"],
        P=["ที่ตลาดนัดจตุจักร", "ที่ศาลาประชาคม", "ใกล้สถานีรถไฟหัวลำโพง", "ริมแม่น้ำเจ้าพระยา", "ที่ลานหน้าเทศบาล", "ที่ที่ว่าการอำเภอ"],
        T=["เมื่อเช้าวันจันทร์", "ตั้งแต่ต้นเดือนนี้", "ทุกวันหยุดสุดสัปดาห์", "เมื่อวานตอนบ่าย", "ก่อนวันสงกรานต์", "เมื่อปีที่แล้ว"],
        cost="ค่าใช้จ่ายประมาณ {n} บาทและกองทุนหมู่บ้านเป็นผู้ออกให้",
        order="SAPT",
        end="",
        joiner="",
        nav="หน้าแรก | ข่าว | กีฬา | ติดต่อเรา",
        cookie="เว็บไซต์นี้ใช้คุกกี้เพื่อพัฒนาประสบการณ์ของคุณ ยอมรับคุกกี้ทั้งหมด",
        title="ข่าวชุมชน",
        more="อ่านต่อ: ข่าวอื่นๆ ในพื้นที่ของคุณ",
        pii="สอบถามเพิ่มเติมติดต่อ {name} โทร {phone} หรืออีเมล {email}",
        spam=["สล็อตเว็บตรงแตกง่าย", "บาคาร่าออนไลน์", "เว็บพนันออนไลน์", "แทงบอลออนไลน์"],
        price="ราคา{item}ใน{city}{dir}ร้อยละ {n} {when}",
        DIR=["เพิ่มขึ้น", "ลดลง"],
        ITEM=["ข้าวหอมมะลิ", "พริก", "กระเทียม", "ไข่ไก่", "น้ำมันพืช", "น้ำตาลทราย"],
        CITY=["เชียงใหม่", "ขอนแก่น", "ภูเก็ต", "นครราชสีมา", "หาดใหญ่", "อุดรธานี"],
        WHEN=["เมื่อเทียบกับเดือนก่อน", "ช่วงปลายปี", "ในหน้าแล้ง", "หลังฤดูเก็บเกี่ยว", "ในช่วงสองสัปดาห์ที่ผ่านมา", "นับตั้งแต่ราคาน้ำมันเปลี่ยน"],
    ),
    "km": dict(
        S=["លោកសុខា", "អ្នកស្រីចន្ថា", "អ្នកភូមិ", "និស្សិតសាកលវិទ្យាល័យ", "មន្ត្រីសុខាភិបាល", "អ្នកលក់ដូរ"],
        A=["ទិញអង្ករនិងទឹកត្រី", "ជួសជុលស្ពានដែលខូច", "ចូលរួមវគ្គបណ្តុះបណ្តាលកុំព្យូទ័រ", "ដាំដើមស្វាយ", "បង់ពន្ធរថយន្ត", "លក់នំបញ្ចុក"],
        P=["នៅផ្សារធំថ្មី", "នៅសាលាឃុំ", "ក្បែរស្ថានីយ៍រថភ្លើង", "នៅមាត់ទន្លេមេគង្គ", "នៅទីលានក្រុង", "នៅសាលាស្រុក"],
        T=["កាលពីព្រឹកថ្ងៃច័ន្ទ", "តាំងពីដើមខែនេះ", "រៀងរាល់ចុងសប្តាហ៍", "កាលពីរសៀលម្សិលមិញ", "មុនបុណ្យចូលឆ្នាំ", "កាលពីឆ្នាំមុន"],
        cost="ការចំណាយប្រហែល {n} ពាន់រៀល ហើយសមាគមបានជួយបង់។",
        order="SAPT",
        end="។",
        joiner="",
        nav="ទំព័រដើម | ព័ត៌មាន | កីឡា | ទំនាក់ទំនង",
        cookie="គេហទំព័រនេះប្រើខូឃី ដើម្បីកែលម្អបទពិសោធន៍របស់អ្នក។ ទទួលយកខូឃីទាំងអស់?",
        title="ព័ត៌មានសហគមន៍",
        more="អានបន្ថែម៖ ព័ត៌មានផ្សេងទៀតក្នុងតំបន់របស់អ្នក",
        pii="សម្រាប់ព័ត៌មានបន្ថែម សូមទាក់ទង {name} តាមលេខ {phone} ឬអ៊ីមែល {email}។",
        spam=["កាស៊ីណូអនឡាញ", "ភ្នាល់បាល់អនឡាញ", "ស្លុតឈ្នះធំ", "ល្បែងស៊ីសងអនឡាញ"],
        price="តម្លៃ{item}នៅ{city}{dir} {n} ភាគរយ {when}។",
        DIR=["បានកើនឡើង", "បានធ្លាក់ចុះ"],
        ITEM=["អង្ករ", "ម្ទេស", "ខ្ទឹមស", "ពងមាន់", "ប្រេងឆា", "ស្ករស"],
        CITY=["សៀមរាប", "បាត់ដំបង", "កំពត", "ព្រះសីហនុ", "កំពង់ចាម", "តាកែវ"],
        WHEN=[
            "បើធៀបនឹងខែមុន",
            "នៅចុងឆ្នាំ",
            "ក្នុងរដូវប្រាំង",
            "ក្រោយរដូវច្រូតកាត់",
            "ក្នុងរយៈពេលពីរសប្តាហ៍ចុងក្រោយ",
            "ចាប់តាំងពីតម្លៃប្រេងប្រែប្រួល",
        ],
    ),
    "lo": dict(
        S=["ທ້າວສົມພອນ", "ນາງບົວພັນ", "ຊາວບ້ານ", "ນັກສຶກສາມະຫາວິທະຍາໄລ", "ພະນັກງານສາທາລະນະສຸກ", "ແມ່ຄ້າໃນຕະຫຼາດ"],
        A=["ຊື້ເຂົ້າສານແລະນ້ຳປາ", "ສ້ອມແປງຂົວທີ່ເປ່ເພ", "ເຂົ້າຮ່ວມການຝຶກອົບຮົມຄອມພິວເຕີ", "ປູກຕົ້ນໝາກມ່ວງ", "ຈ່າຍອາກອນລົດ", "ຂາຍເຂົ້າໜົມ"],
        P=["ຢູ່ຕະຫຼາດເຊົ້າ", "ຢູ່ຫ້ອງການບ້ານ", "ໃກ້ສະຖານີລົດໄຟ", "ແຄມແມ່ນ້ຳຂອງ", "ຢູ່ເດີ່ນກາງເມືອງ", "ຢູ່ຫ້ອງການເມືອງ"],
        T=["ໃນຕອນເຊົ້າວັນຈັນ", "ຕັ້ງແຕ່ຕົ້ນເດືອນນີ້", "ທຸກທ້າຍອາທິດ", "ມື້ວານນີ້ຕອນບ່າຍ", "ກ່ອນບຸນປີໃໝ່", "ປີກາຍນີ້"],
        cost="ຄ່າໃຊ້ຈ່າຍປະມານ {n} ພັນກີບ ແລະ ສະມາຄົມໄດ້ຊ່ວຍຈ່າຍໃຫ້.",
        order="SAPT",
        end=".",
        joiner="",
        nav="ໜ້າຫຼັກ | ຂ່າວ | ກິລາ | ຕິດຕໍ່",
        cookie="ເວັບໄຊນີ້ໃຊ້ຄຸກກີ້ ເພື່ອປັບປຸງປະສົບການຂອງທ່ານ. ຍອມຮັບຄຸກກີ້ທັງໝົດບໍ?",
        title="ຂ່າວຊຸມຊົນ",
        more="ອ່ານຕໍ່: ຂ່າວອື່ນໆໃນເຂດຂອງທ່ານ",
        pii="ສອບຖາມເພີ່ມເຕີມຕິດຕໍ່ {name} ເບີ {phone} ຫຼື ອີເມວ {email}.",
        spam=["ຄາສິໂນອອນລາຍ", "ແທງບານອອນລາຍ", "ສລັອດແຕກງ່າຍ", "ເວັບພະນັນອອນລາຍ"],
        price="ລາຄາ{item}ຢູ່{city}{dir} {n} ເປີເຊັນ {when}.",
        DIR=["ເພີ່ມຂຶ້ນ", "ຫຼຸດລົງ"],
        ITEM=["ເຂົ້າໜຽວ", "ໝາກເຜັດ", "ຫົວຜັກທຽມ", "ໄຂ່ໄກ່", "ນ້ຳມັນພືດ", "ນ້ຳຕານ"],
        CITY=["ຫຼວງພະບາງ", "ປາກເຊ", "ສະຫວັນນະເຂດ", "ວັງວຽງ", "ຫຼວງນ້ຳທາ", "ທ່າແຂກ"],
        WHEN=["ເມື່ອທຽບກັບເດືອນກ່ອນ", "ໃນທ້າຍປີ", "ໃນລະດູແລ້ງ", "ຫຼັງລະດູເກັບກ່ຽວ", "ໃນສອງອາທິດທີ່ຜ່ານມາ", "ນັບແຕ່ລາຄານ້ຳມັນປ່ຽນແປງ"],
    ),
    "my": dict(
        S=["ဦးအောင်", "ဒေါ်မြင့်", "ရွာသားများ", "တက္ကသိုလ်ကျောင်းသားများ", "ကျန်းမာရေးဝန်ထမ်းများ", "ဈေးသည်များ"],
        T=["တနင်္လာနေ့မနက်က", "ဒီလအစကစပြီး", "စနေတနင်္ဂနွေတိုင်း", "မနေ့ညနေက", "သင်္ကြန်မတိုင်မီ", "မနှစ်က"],
        P=["ဈေးထဲမှာ", "ရွာရုံးမှာ", "ဘူတာရုံအနီးမှာ", "ဧရာဝတီမြစ်ကမ်းမှာ", "မြို့လယ်ကွင်းမှာ", "မြို့နယ်ရုံးမှာ"],
        A=["ဆန်နဲ့ငါးပိဝယ်ခဲ့တယ်", "ပျက်နေတဲ့တံတားကိုပြင်ခဲ့တယ်", "ကွန်ပျူတာသင်တန်းတက်ခဲ့တယ်", "သရက်ပင်စိုက်ခဲ့တယ်", "ကားအခွန်ဆောင်ခဲ့တယ်", "မုန့်ရောင်းခဲ့တယ်"],
        cost="ကုန်ကျစရိတ် ကျပ် {n} ထောင်ခန့်ရှိပြီး အသင်းက ပေးခဲ့တယ်။",
        order="STPA",
        end="။",
        joiner=" ",
        nav="ပင်မစာမျက်နှာ | သတင်း | အားကစား | ဆက်သွယ်ရန်",
        cookie="ဤဝက်ဘ်ဆိုက်သည် ကွတ်ကီးများကို အသုံးပြုပါသည်။ ကွတ်ကီးအားလုံးကို လက်ခံမလား?",
        title="ရပ်ရွာသတင်း",
        more="ဆက်ဖတ်ရန်: သင့်ဒေသမှ အခြားသတင်းများ",
        pii="အသေးစိတ်သိလိုပါက {name} ကို {phone} သို့ ဖုန်းဆက်ပါ သို့မဟုတ် {email} သို့ အီးမေးလ်ပို့ပါ။",
        spam=["အွန်လိုင်းကာစီနို", "ဘောလုံးလောင်းကစား", "စလော့ဂိမ်းအနိုင်ရ", "အွန်လိုင်းလောင်းကစား"],
        price="{city}မှာ {item}ဈေးနှုန်း {when} ရာခိုင်နှုန်း {n} {dir}။",
        DIR=["တက်လာတယ်", "ကျသွားတယ်"],
        ITEM=["ဆန်", "ငရုတ်သီး", "ကြက်သွန်ဖြူ", "ကြက်ဥ", "စားသုံးဆီ", "သကြား"],
        CITY=["မန္တလေး", "မော်လမြိုင်", "ပုသိမ်", "တောင်ကြီး", "မြစ်ကြီးနား", "ပဲခူး"],
        WHEN=["ပြီးခဲ့တဲ့လနဲ့ယှဉ်ရင်", "နှစ်ကုန်ခါနီးမှာ", "နွေရာသီအတွင်း", "ရိတ်သိမ်းချိန်ပြီးနောက်", "ပြီးခဲ့တဲ့နှစ်ပတ်အတွင်း", "ဆီဈေးပြောင်းပြီးကတည်းက"],
    ),
    "en": dict(
        S=[
            "Mr Tan",
            "Mrs Lim",
            "Residents of the estate",
            "University students",
            "Health workers",
            "Hawker stall owners",
        ],
        A=[
            "bought rice and fish sauce",
            "repaired the broken footbridge",
            "joined a free computer class",
            "planted mango trees",
            "paid the vehicle tax",
            "sold traditional kueh",
        ],
        P=[
            "at the Tekka market",
            "at the community centre",
            "near the MRT station",
            "along the Singapore River",
            "in the town square",
            "at the district office",
        ],
        T=[
            "on Monday morning",
            "since the start of this month",
            "every weekend",
            "yesterday afternoon",
            "before Chinese New Year",
            "last year",
        ],
        cost="It cost about {n} dollars and the residents' committee paid for it.",
        order="SAPT",
        end=".",
        nav="Home | News | Sport | Contact Us",
        cookie="This site uses cookies to improve your experience. Accept all cookies?",
        title="Community news",
        more="Read more: other stories from your area",
        pii="For details, call {name} at {phone} or write to {email}.",
        spam=["best online casino bonus", "free slot spins today", "sports betting tips", "win the jackpot now"],
        price="The price of {item} in {city} {dir} by {n} per cent {when}.",
        DIR=["rose", "fell"],
        ITEM=["jasmine rice", "red chillies", "garlic", "chicken eggs", "cooking oil", "white sugar"],
        CITY=["Penang", "Johor Bahru", "Cebu", "Da Nang", "Chiang Mai", "Surabaya"],
        WHEN=[
            "compared with last month",
            "towards the end of the year",
            "during the dry season",
            "after the harvest",
            "over the past two weeks",
            "since fuel prices changed",
        ],
    ),
    "zh": dict(
        S=["陈先生", "林太太", "社区居民", "大学生们", "卫生工作人员", "小贩们"],
        T=["星期一早上", "从这个月初开始", "每个周末", "昨天下午", "春节前", "去年"],
        P=["在牛车水市场", "在社区中心", "在地铁站附近", "在新加坡河边", "在市中心广场", "在区政府"],
        A=["买了大米和鱼露", "修好了坏掉的桥", "参加了免费电脑课", "种了芒果树", "缴了车辆税", "卖了传统糕点"],
        cost="费用大约是{n}元，由居民委员会支付。",
        order="STPA",
        end="。",
        joiner="",
        nav="首页 | 新闻 | 体育 | 联系我们",
        cookie="本网站使用cookie以改善您的体验。接受所有cookie？",
        title="社区新闻",
        more="阅读更多：您所在地区的其他新闻",
        pii="详情请致电{phone}联系{name}，或发邮件至{email}。",
        spam=["网上赌场优惠", "老虎机免费旋转", "体育博彩技巧", "赢取大奖"],
        price="{city}的{item}价格{when}{dir}了百分之{n}。",
        DIR=["上涨", "下降"],
        ITEM=["大米", "红辣椒", "大蒜", "鸡蛋", "食用油", "白糖"],
        CITY=["槟城", "新山", "吉隆坡", "怡保", "马六甲", "古晋"],
        WHEN=["与上个月相比", "在年底前", "在旱季期间", "在收获后", "在过去两周内", "自从油价变化以来"],
    ),
}
LANGS = tuple(BANKS)
NAMES = ["Budi Santoso", "Nguyen Van An", "Somchai Jaidee", "Siti Aminah", "Maria Santos", "Tan Wei Ming"]
SITES = ["kabarkota.example", "tintuc.example", "khaosod.example", "balita.example", "news.example"]


class Deck:
    """Draws a document's sentences without reusing a phrase, as a real article would not.

    Event sentences (at most six) and price reports (at most three) never reuse a phrase, so
    a document has no n-gram repetition beyond what the language's grammar brings.
    """

    SLOTS = ("S", "A", "P", "T", "ITEM", "CITY", "WHEN")

    def __init__(self, lang: str, rng: random.Random):
        self.lang, self.rng, self.bank = lang, rng, BANKS[lang]
        self.piles = {k: rng.sample(self.bank[k], len(self.bank[k])) for k in self.SLOTS}
        del self.piles["ITEM"][3:]  # price reports share a frame; more than three reads as a table
        self.cost_used = False

    def can_draw(self) -> bool:
        return bool(self.piles["S"] or self.piles["ITEM"])

    def sentence(self) -> str:
        use_event = self.piles["S"] and (not self.piles["ITEM"] or self.rng.random() < 0.5)
        return self._event() if use_event else self._price()

    def _event(self) -> str:
        bank = self.bank
        parts = {k: self.piles[k].pop() for k in "SAPT"}
        text = bank.get("joiner", " ").join(parts[k] for k in bank["order"])
        text = (text[0].upper() + text[1:] if text[0].islower() else text) + bank["end"]
        if not self.cost_used and self.rng.random() < 0.3:
            self.cost_used = True
            text += ("" if self.lang == "zh" else " ") + bank["cost"].format(n=self.rng.randint(10, 990))
        return text

    def _price(self) -> str:
        return self.bank["price"].format(
            item=self.piles["ITEM"].pop(),
            city=self.piles["CITY"].pop(),
            when=self.piles["WHEN"].pop(),
            dir=self.rng.choice(self.bank["DIR"]),
            n=self.rng.randint(2, 40),
        )


def sentence(lang: str, rng: random.Random) -> str:
    """One sentence composed from the language's phrase banks."""
    return Deck(lang, rng).sentence()


def _paragraphs(lang: str, rng: random.Random) -> list[str]:
    deck, paras = Deck(lang, rng), []
    sep = "" if lang == "zh" else " "
    n_sentences = rng.randint(7, 9)
    while n_sentences > 0 and deck.can_draw():
        k = min(n_sentences, rng.randint(2, 4))
        para = [deck.sentence() for _ in range(k) if deck.can_draw()]
        paras.append(sep.join(para))
        n_sentences -= k
    return paras


def _phone(rng: random.Random) -> str:
    country = rng.choice(["62", "63", "66", "84", "60"])
    return f"+{country} {rng.randint(800, 899)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def clean_document(lang: str, rng: random.Random) -> str:
    """A news-like page: title, paragraphs, and (often) web boilerplate around them."""
    bank = BANKS[lang]
    lines = []
    if rng.random() < 0.5:
        lines.append(bank["nav"])
    lines.append(bank["title"])
    lines.extend(_paragraphs(lang, rng))
    if rng.random() < 0.2:
        user = rng.choice(NAMES)
        email = user.lower().replace(" ", ".") + "@" + rng.choice(SITES)
        lines.append(bank["pii"].format(name=user, phone=_phone(rng), email=email))
    if rng.random() < 0.3:
        lines.append(bank["more"])
    if rng.random() < 0.4:
        lines.append(bank["cookie"])
    if rng.random() < 0.5:
        lines.append(f"© {rng.randint(2015, 2025)} {rng.choice(SITES)} | Privacy Policy | Terms")
    return "\n".join(lines)


def near_duplicate(text: str, rng: random.Random) -> str:
    """A copy edited the way re-posted pages are: one changed sentence area, new boilerplate, a number."""
    lines = text.split("\n")
    body = [i for i, line in enumerate(lines) if len(line) > 80]
    if body:
        i = rng.choice(body)
        line = lines[i]
        cut = rng.randint(len(line) // 3, 2 * len(line) // 3)
        lines[i] = line[:cut] + line[cut + rng.randint(5, 20) :]  # drop a few words mid-line
    lines.insert(0, f"Posted {rng.randint(1, 28)}/{rng.randint(1, 12)}/2025 | Share | Print")
    return "\n".join(lines)


def spam_document(lang: str, rng: random.Random) -> str:
    """Keyword-stuffed gambling spam, the commonest junk on SEA web crawls."""
    terms = BANKS[lang]["spam"]
    lines = [" ".join(rng.choice(terms) for _ in range(rng.randint(3, 6))) for _ in range(rng.randint(8, 15))]
    lines.insert(rng.randint(0, len(lines)), sentence(lang, rng))
    return "\n".join(lines)


def table_document(rng: random.Random) -> str:
    """A price table scraped as text: mostly digits and symbols."""
    rows = [" | ".join(f"{rng.uniform(0, 999):.2f}" for _ in range(6)) for _ in range(rng.randint(10, 30))]
    return "\n".join(["| SKU | Q1 | Q2 | Q3 | Q4 | % |"] + rows)


def generate(
    n_docs: int,
    seed: int = 0,
    langs: tuple[str, ...] = LANGS,
    exact_rate: float = 0.05,
    near_rate: float = 0.08,
    junk_rate: float = 0.06,
) -> Iterator[dict]:
    """Yield ``n_docs`` records ``{"id", "text", "url", "meta": {"lang", "kind", "dup_of"}}``.

    kinds: clean, exact (copy, maybe re-spaced/re-cased), near (edited copy), spam, table, short.
    Duplicates always point to an earlier clean document (``dup_of``).
    """
    rng = random.Random(seed)
    originals: list[dict] = []
    for i in range(n_docs):
        r = rng.random()
        lang = rng.choice(langs)
        meta = {"lang": lang, "kind": "clean", "dup_of": None}
        if originals and r < exact_rate:
            src = rng.choice(originals)
            text = src["text"] if rng.random() < 0.5 else src["text"].replace("\n", "\n\n").replace(" ", "  ")
            meta = {"lang": src["meta"]["lang"], "kind": "exact", "dup_of": src["id"]}
        elif originals and r < exact_rate + near_rate:
            src = rng.choice(originals)
            text = near_duplicate(src["text"], rng)
            meta = {"lang": src["meta"]["lang"], "kind": "near", "dup_of": src["id"]}
        elif r < exact_rate + near_rate + junk_rate:
            kind = rng.choice(["spam", "table", "short"])
            if kind == "spam":
                text = spam_document(lang, rng)
            elif kind == "table":
                text = table_document(rng)
            else:
                text = sentence(lang, rng)
            meta["kind"] = kind
        else:
            text = clean_document(lang, rng)
        doc = {"id": f"doc-{seed}-{i:07d}", "text": text, "url": f"https://{rng.choice(SITES)}/{i}", "meta": meta}
        if meta["kind"] == "clean":
            originals.append(doc)
            if len(originals) > 5000:  # copies on the web cluster in time; also bounds memory
                originals.pop(rng.randrange(len(originals)))
        yield doc


def write_corpus(
    out_dir: str | os.PathLike,
    n_docs: int,
    shards: int = 4,
    seed: int = 0,
    langs: tuple[str, ...] = LANGS,
    malformed: bool = False,
) -> list[Path]:
    """Write a generated corpus as ``shards`` JSONL.gz files (round-robin); returns the paths.

    ``malformed=True`` adds the bad records real dumps contain (broken JSON, invalid UTF-8,
    no text field, an empty text) so the engine's skip-and-count path is exercised.
    """
    from seaforge.data.writers import write_gzip

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"part-{k:05d}.jsonl.gz" for k in range(shards)]
    tmps = [p.with_name(p.name + ".tmp") for p in paths]
    handles = [write_gzip(t) for t in tmps]  # mtime 0: the same corpus is the same bytes
    try:
        for i, doc in enumerate(generate(n_docs, seed=seed, langs=langs)):
            handles[i % shards].write(orjson.dumps(doc) + b"\n")
        if malformed:
            handles[0].write(b'{"id": "broken", "text": "unterminated\n')
            handles[0].write(b'{"id": "bad-utf8", "text": "caf\xe9 au lait"}\n')
            handles[0].write(b'{"id": "no-text", "body": "where is the text field"}\n')
            handles[0].write(b'{"id": "empty", "text": ""}\n')
    finally:
        for h in handles:
            h.close()
    for tmp, path in zip(tmps, paths):
        os.replace(tmp, path)
    return paths
