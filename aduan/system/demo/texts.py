"""Indonesian texts of the demo installation, written for this project.

Reports are composed from a story per sub-category (title and body templates) filled
with places of the three demo regencies and small details, so that a few hundred reports
read like different people wrote them. Placeholders: {street}, {landmark}, {village},
{district}, {since}, {detail}.
"""

# Places per demo agency slug: the town centre (latitude, longitude), and real street
# names and landmarks of each region.
PLACES = {
    "kab-banyumas": {
        "centre": (-7.4245, 109.2397),  # Purwokerto
        "streets": [
            "Jl. Jenderal Soedirman",
            "Jl. Overste Isdiman",
            "Jl. Gerilya",
            "Jl. Dr. Angka",
            "Jl. HR Bunyamin",
            "Jl. Kampus",
            "Jl. Prof. Dr. Suharso",
            "Jl. Raya Baturraden",
            "Jl. Pramuka",
            "Jl. Sunan Kalijaga",
            "Jl. Raya Sokaraja",
            "Jl. Raya Ajibarang",
        ],
        "landmarks": [
            "Alun-alun Purwokerto",
            "Pasar Wage",
            "GOR Satria",
            "Terminal Bulupitu",
            "Stasiun Purwokerto",
            "kampus Unsoed",
            "Pasar Ajibarang",
            "RSUD Banyumas",
        ],
    },
    "kab-purbalingga": {
        "centre": (-7.3882, 109.3636),
        "streets": [
            "Jl. Jenderal Sudirman",
            "Jl. Mayjen Sungkono",
            "Jl. Letjen S. Parman",
            "Jl. Raya Bobotsari",
            "Jl. MT Haryono",
            "Jl. Kapten Sarengat",
            "Jl. Raya Kutasari",
            "Jl. Raya Bukateja",
        ],
        "landmarks": [
            "Alun-alun Purbalingga",
            "Pasar Segamas",
            "Terminal Purbalingga",
            "Owabong",
            "RSUD Goeteng Taroenadibrata",
            "Stadion Goentoer Darjono",
        ],
    },
    "kota-semarang": {
        "centre": (-6.9932, 110.4203),
        "streets": [
            "Jl. Pandanaran",
            "Jl. Pemuda",
            "Jl. Majapahit",
            "Jl. Setiabudi",
            "Jl. Kaligawe Raya",
            "Jl. Dr. Cipto",
            "Jl. Fatmawati",
            "Jl. Gajahmada",
            "Jl. Brigjen Sudiarto",
            "Jl. Ngesrep Timur",
            "Jl. Prof. Hamka",
        ],
        "landmarks": [
            "Simpang Lima",
            "Pasar Johar",
            "Tugu Muda",
            "Kota Lama",
            "Stasiun Tawang",
            "Terminal Terboyo",
            "Pasar Peterongan",
            "Taman Indonesia Kaya",
        ],
    },
}

SINCE = [
    "sejak dua minggu lalu",
    "sudah lebih dari sebulan",
    "sejak awal bulan",
    "sudah tiga hari ini",
    "sejak musim hujan mulai",
    "hampir setahun",
    "sejak pekan lalu",
    "sudah berbulan-bulan",
]

# Sub-category slug → stories. Each story: (title, body, details).
STORIES: dict[str, list[tuple[str, str, list[str]]]] = {
    "jalan-rusak": [
        (
            "Jalan berlubang di {street}",
            "Selamat siang. Di {street} dekat {landmark} ada lubang cukup dalam {since}. "
            "{detail} Mohon segera ditambal sebelum ada korban.",
            [
                "Kemarin malam ada pengendara motor yang jatuh karena tidak terlihat.",
                "Kalau hujan lubangnya tertutup genangan sehingga tidak kelihatan.",
                "Lebarnya kira-kira satu meter, tepat di jalur kendaraan roda dua.",
                "Warga sudah memberi tanda ranting pohon tapi sering hilang.",
            ],
        ),
        (
            "Aspal jalan desa {village} mengelupas",
            "Jalan penghubung di Desa {village}, Kecamatan {district}, rusak parah {since}. "
            "{detail} Mohon ada perbaikan dari dinas terkait.",
            [
                "Anak-anak sekolah harus berjalan di pinggir karena batu lepas di mana-mana.",
                "Truk pengangkut pasir lewat setiap hari sehingga kerusakan makin lebar.",
                "Ambulans desa kesulitan lewat saat malam hari.",
            ],
        ),
    ],
    "jembatan": [
        (
            "Jembatan di Desa {village} retak",
            "Jembatan kecil di Desa {village}, Kecamatan {district}, pagarnya patah dan lantainya "
            "retak {since}. {detail}",
            [
                "Warga khawatir karena jembatan ini dilalui anak-anak berangkat sekolah.",
                "Kendaraan roda empat sudah tidak berani lewat.",
            ],
        ),
    ],
    "pju": [
        (
            "Lampu PJU mati di {street}",
            "Lampu penerangan jalan umum di {street} sekitar {landmark} mati {since}. "
            "{detail} Mohon dicek dan diperbaiki.",
            [
                "Jalan jadi gelap gulita dan rawan begal.",
                "Ada tiga tiang berurutan yang tidak menyala.",
                "Lampunya kadang menyala kadang mati, sepertinya kabelnya bermasalah.",
                "Warga sekitar sudah patungan beli lampu sendiri tapi tetap mati.",
            ],
        ),
        (
            "PJU padam di Desa {village}",
            "Mohon izin melaporkan, lampu jalan di Desa {village} Kecamatan {district} padam "
            "{since}. {detail}",
            [
                "Pada malam hari banyak pengendara hampir menabrak pejalan kaki.",
                "Tiangnya juga miring setelah angin kencang kemarin.",
            ],
        ),
    ],
    "drainase": [
        (
            "Saluran air mampet, {street} banjir",
            "Setiap hujan deras {street} dekat {landmark} tergenang sampai sebetis. "
            "Gorong-gorong tersumbat sampah dan lumpur {since}. {detail}",
            [
                "Air masuk ke rumah warga dan toko di sekitarnya.",
                "Motor banyak yang mogok karena nekat menerobos genangan.",
                "Warga sudah kerja bakti tapi sedimennya terlalu banyak.",
            ],
        ),
        (
            "Drainase di Desa {village} meluap",
            "Saluran drainase di Desa {village}, Kecamatan {district}, meluap setiap hujan. "
            "{detail} Mohon dinormalisasi.",
            [
                "Airnya berbau dan menggenangi halaman mushola.",
                "Tutup saluran ada yang jebol sehingga berbahaya bagi anak-anak.",
            ],
        ),
    ],
    "sampah": [
        (
            "Sampah menumpuk di dekat {landmark}",
            "Tumpukan sampah di pinggir {street} dekat {landmark} tidak diangkut {since}. "
            "{detail} Mohon jadwal pengangkutan diperbaiki.",
            [
                "Baunya menyengat sampai ke rumah makan di seberang.",
                "Sampah mulai meluber ke badan jalan dan dikerumuni lalat.",
                "Ada warga dari luar desa yang sengaja membuang sampah di sini malam hari.",
            ],
        ),
        (
            "TPS di Desa {village} penuh",
            "TPS di Desa {village}, Kecamatan {district}, sudah penuh dan truk sampah jarang "
            "datang {since}. {detail}",
            [
                "Sebagian warga akhirnya membakar sampah sehingga asapnya mengganggu.",
                "Sampah plastik terbawa ke sungai saat hujan.",
            ],
        ),
    ],
    "pencemaran": [
        (
            "Limbah usaha mencemari sungai di {village}",
            "Sungai di Desa {village}, Kecamatan {district}, berubah warna dan berbau {since}. "
            "Diduga dari limbah usaha di hulu. {detail}",
            [
                "Ikan-ikan di kolam warga mati.",
                "Warga yang mandi di sungai mengeluh gatal-gatal.",
            ],
        ),
    ],
    "pohon": [
        (
            "Pohon besar rawan tumbang di {street}",
            "Pohon peneduh di {street} dekat {landmark} sudah miring dan dahannya lapuk. "
            "{detail} Mohon dipangkas sebelum tumbang.",
            [
                "Dahannya menyentuh kabel listrik.",
                "Kemarin satu dahan patah dan hampir mengenai pengendara.",
            ],
        ),
    ],
    "parkir-liar": [
        (
            "Juru parkir liar di {landmark}",
            "Di sekitar {landmark} ada juru parkir liar yang menarik tarif Rp5.000 untuk motor "
            "tanpa karcis {since}. {detail} Mohon ditertibkan.",
            [
                "Kalau menolak bayar, pengunjung dibentak.",
                "Padahal di lokasi tersebut ada papan bebas parkir.",
                "Parkirnya memakan separuh badan jalan sehingga macet.",
            ],
        ),
    ],
    "lalu-lintas": [
        (
            "Lampu lalu lintas mati di simpang {street}",
            "Traffic light di persimpangan {street} tidak berfungsi {since}. {detail}",
            [
                "Saat jam pulang kantor terjadi kemacetan panjang.",
                "Hampir terjadi tabrakan karena semua arah jalan bersamaan.",
                "Lampu kuningnya berkedip terus sepanjang hari.",
            ],
        ),
    ],
    "angkutan": [
        (
            "Bus trayek {district} sering ngetem lama",
            "Angkutan umum jurusan {district} sering ngetem lama di dekat {landmark} dan "
            "menurunkan penumpang sembarangan. {detail}",
            [
                "Penumpang bisa menunggu hampir satu jam.",
                "Sopirnya juga menarik tarif di atas ketentuan.",
            ],
        ),
    ],
    "ktp-el": [
        (
            "KTP-el belum jadi {since}",
            "Saya sudah rekam KTP-el di kantor Kecamatan {district} tetapi sampai sekarang "
            "belum dicetak, alasannya blangko habis. {detail}",
            [
                "Saya butuh KTP untuk melamar pekerjaan dan membuka rekening.",
                "Surat keterangan sementara sudah habis masa berlakunya.",
                "Sudah tiga kali datang tapi jawabannya selalu sama.",
            ],
        ),
        (
            "Status KTP-el ganda, tidak bisa cetak",
            "Data KTP-el saya terdeteksi ganda sehingga tidak bisa dicetak ulang setelah "
            "hilang. Saya tinggal di Desa {village}, Kecamatan {district}. {detail}",
            [
                "Petugas meminta saya menunggu tanpa kepastian waktu.",
                "Saya tidak bisa mengurus BPJS karena KTP tidak ada.",
            ],
        ),
    ],
    "kartu-keluarga": [
        (
            "Pembaruan KK tertahan {since}",
            "Saya mengajukan perubahan Kartu Keluarga setelah menikah, berkas sudah lengkap "
            "lewat desa {village}, tetapi KK baru belum terbit {since}. {detail}",
            [
                "Anak saya perlu KK untuk mendaftar sekolah.",
                "Di aplikasi statusnya masih 'verifikasi' terus.",
            ],
        ),
    ],
    "akta-kelahiran": [
        (
            "Akta kelahiran anak belum terbit",
            "Pengajuan akta kelahiran anak kami lewat layanan daring belum diproses {since}. "
            "Domisili Desa {village}, Kecamatan {district}. {detail}",
            [
                "Sudah dicoba hubungi nomor WhatsApp layanan tetapi tidak dibalas.",
                "Akta dibutuhkan untuk pendaftaran BPJS bayi.",
            ],
        ),
    ],
    "puskesmas": [
        (
            "Antrean Puskesmas {district} sangat panjang",
            "Pelayanan di Puskesmas {district} sangat lambat, pasien datang jam tujuh baru "
            "dipanggil siang. {detail}",
            [
                "Loket pendaftaran hanya dibuka satu padahal pasien banyak.",
                "Lansia harus berdiri karena kursi ruang tunggu kurang.",
                "Dokter baru datang jam sepuluh.",
            ],
        ),
        (
            "Petugas puskesmas kurang ramah",
            "Saya berobat ke Puskesmas {district} dan petugas pendaftaran bersikap ketus "
            "kepada pasien lansia. {detail}",
            [
                "Ibu saya dimarahi karena lupa membawa kartu BPJS.",
                "Pertanyaan pasien tidak dijawab dengan jelas.",
            ],
        ),
    ],
    "bpjs": [
        (
            "Kepesertaan PBI BPJS dinonaktifkan",
            "Kartu BPJS PBI keluarga kami tiba-tiba nonaktif saat berobat. Kami warga Desa "
            "{village}, Kecamatan {district}, dan termasuk keluarga kurang mampu. {detail}",
            [
                "Kami terpaksa membayar biaya berobat sebagai pasien umum.",
                "Di desa kami ada beberapa keluarga lain yang mengalami hal sama.",
            ],
        ),
    ],
    "pungutan-sekolah": [
        (
            "Pungutan di sekolah negeri di {district}",
            "Sekolah negeri di Kecamatan {district} meminta sumbangan wajib dengan nominal "
            "ditentukan untuk seragam dan kegiatan. {detail}",
            [
                "Nominalnya Rp1.500.000 dan harus lunas sebelum kenaikan kelas.",
                "Orang tua yang belum membayar anaknya diminta menghadap kepala sekolah.",
                "Tidak ada rapat komite, tiba-tiba ada edaran dari sekolah.",
            ],
        ),
    ],
    "ppdb": [
        (
            "Sistem zonasi SPMB tidak sesuai jarak",
            "Anak saya tinggal sekitar 600 meter dari sekolah negeri di {district} tetapi "
            "tidak diterima, sementara yang lebih jauh diterima. {detail}",
            [
                "Kami menduga ada pemalsuan domisili lewat KK titipan.",
                "Mohon transparansi daftar peserta yang diterima.",
            ],
        ),
    ],
    "fasilitas-sekolah": [
        (
            "Atap ruang kelas SD di {village} bocor",
            "Atap ruang kelas salah satu SD negeri di Desa {village}, Kecamatan {district}, "
            "bocor dan plafonnya mulai jebol. {detail}",
            [
                "Saat hujan murid dipindahkan ke perpustakaan.",
                "Orang tua murid khawatir plafon runtuh saat jam pelajaran.",
            ],
        ),
    ],
    "pkl": [
        (
            "PKL memenuhi trotoar {street}",
            "Trotoar di {street} dekat {landmark} penuh pedagang kaki lima sehingga pejalan "
            "kaki turun ke jalan. {detail}",
            [
                "Penyandang disabilitas tidak bisa lewat sama sekali.",
                "Sudah pernah ditertibkan tapi kembali lagi seminggu kemudian.",
            ],
        ),
    ],
    "bangunan-liar": [
        (
            "Bangunan liar di atas saluran di {village}",
            "Ada bangunan semi permanen berdiri di atas saluran air di Desa {village}, "
            "Kecamatan {district}. {detail}",
            [
                "Akibatnya air tidak bisa mengalir dan rumah warga kebanjiran.",
                "Pemiliknya menyewakan lapak kepada pedagang.",
            ],
        ),
    ],
    "kebisingan": [
        (
            "Hiburan malam bising hingga dini hari",
            "Tempat hiburan di {street} memutar musik keras sampai pukul dua dini hari "
            "{since}. {detail}",
            [
                "Warga yang punya bayi dan lansia tidak bisa tidur.",
                "Banyak pengunjung mabuk yang membuat keributan di jalan.",
            ],
        ),
    ],
    "perizinan-berusaha": [
        (
            "Izin usaha lewat OSS tidak kunjung terbit",
            "Saya mengajukan izin usaha mikro lewat OSS dan verifikasi di DPMPTSP tertahan "
            "{since}. {detail}",
            [
                "Tidak ada keterangan kekurangan berkas di sistem.",
                "Saya butuh izin untuk mengajukan KUR ke bank.",
            ],
        ),
    ],
    "pbg": [
        (
            "Permohonan PBG lama diproses",
            "Permohonan Persetujuan Bangunan Gedung (PBG) untuk rumah tinggal di Desa "
            "{village} belum ada kejelasan {since}. {detail}",
            [
                "Saat ditanyakan ke loket, petugas menawarkan 'jalur cepat' dengan biaya.",
                "Status di SIMBG berhenti di tahap penilaian teknis.",
            ],
        ),
    ],
}

ASPIRATIONS = [
    (
        "Usulan taman bermain anak di {district}",
        "Kami mengusulkan agar lahan kosong milik pemerintah dekat {landmark} dijadikan taman "
        "bermain anak dan ruang terbuka hijau. {detail}",
        [
            "Anak-anak sekarang bermain di pinggir jalan.",
            "Karang taruna siap membantu perawatannya.",
        ],
    ),
    (
        "Usulan halte di {street}",
        "Mohon dibangunkan halte di {street} dekat {landmark} karena penumpang menunggu bus "
        "di bawah terik matahari. {detail}",
        ["Banyak pelajar dan lansia yang naik bus dari titik ini."],
    ),
]

INFORMATION_REQUESTS = [
    (
        "Jadwal pelayanan keliling Disdukcapil",
        "Mohon informasi jadwal pelayanan jemput bola perekaman KTP-el untuk lansia di "
        "Kecamatan {district}. {detail}",
        ["Orang tua saya sudah tidak bisa datang ke kantor kecamatan."],
    ),
    (
        "Syarat pengajuan PBG rumah tinggal",
        "Mohon informasi syarat, biaya retribusi, dan lama proses Persetujuan Bangunan Gedung "
        "untuk rumah tinggal di Desa {village}, Kecamatan {district}. {detail}",
        ["Kami berencana menambah satu lantai tahun depan."],
    ),
]

# An admin's question for missing information and the reporter's answer to it.
HOLD_EXCHANGES = [
    (
        "Mohon lengkapi lokasi persisnya (nama jalan, RT/RW, atau patokan terdekat) agar "
        "dapat kami teruskan ke instansi yang tepat.",
        "Lokasinya di depan warung bakso, sekitar 50 meter dari masjid, RT 03 RW 02.",
    ),
    (
        "Mohon lampirkan foto kondisi di lokasi dan sebutkan sejak kapan kejadiannya.",
        "Sudah saya lampirkan fotonya. Kejadiannya sejak awal bulan ini.",
    ),
    (
        "Mohon sebutkan patokan terdekat agar petugas mudah menemukan lokasinya.",
        "Patokannya dekat pos ronda, seberang toko bangunan.",
    ),
    (
        "Mohon jelaskan kapan terakhir kali Bapak/Ibu mengurus hal ini dan ke kantor mana.",
        "Terakhir saya datang ke kantor kecamatan dua minggu lalu, tetapi diminta menunggu.",
    ),
]
HOLD_QUESTIONS = [question for question, _answer in HOLD_EXCHANGES]

# A department's "not our remit", by the sub-category of the report it passes back: each
# says the matter is the kecamatan's where it happened, to which the agency's admin then
# dispatches it. Only these sub-categories are passed back in the demo, so that every
# reason fits its report's topic and place.
NOT_OUR_REMIT: dict[str, str] = {
    "sampah": (
        "Pengangkutan sampah dari lingkungan {village} ke TPS ditangani Kecamatan {district} "
        "bersama pemerintah desa/kelurahan; dinas kami mengangkut dari TPS ke TPA. Mohon "
        "didisposisikan ke Kecamatan {district}."
    ),
    "drainase": (
        "Saluran yang dilaporkan di {village} adalah saluran lingkungan, yang pemeliharaannya "
        "dilimpahkan kepada Kecamatan {district}; dinas kami menangani saluran primer. Mohon "
        "didisposisikan ke Kecamatan {district}."
    ),
    "pkl": (
        "Penataan pedagang kaki lima di wilayah {village} ditangani lebih dahulu oleh "
        "Kecamatan {district} sesuai pelimpahan sebagian kewenangan kepada camat. Mohon "
        "didisposisikan ke Kecamatan {district}."
    ),
    "kebisingan": (
        "Gangguan ketenteraman di lingkungan {village} ditangani lebih dahulu oleh seksi "
        "trantib Kecamatan {district}; kami membantu bila diminta camat. Mohon didisposisikan "
        "ke Kecamatan {district}."
    ),
}

# Category parent slug → (first response, final response) messages of a handler.
RESPONSES = {
    "infrastruktur": (
        "Terima kasih atas laporannya. Tim teknis sudah kami jadwalkan untuk survei lokasi "
        "minggu ini.",
        "Perbaikan sudah dilaksanakan oleh tim pemeliharaan. Terima kasih atas partisipasi "
        "Bapak/Ibu.",
    ),
    "lingkungan": (
        "Laporan sudah kami teruskan ke UPT kebersihan dan pertamanan wilayah terkait.",
        "Sampah sudah diangkut dan jadwal pengangkutan rutin di lokasi tersebut kami tambah.",
    ),
    "perhubungan": (
        "Petugas kami akan melakukan pengecekan dan penertiban di lokasi.",
        "Penertiban sudah dilakukan bersama Satlantas dan papan larangan sudah dipasang.",
    ),
    "adminduk": (
        "Data Bapak/Ibu sedang kami periksa di sistem SIAK. Mohon menunggu.",
        "Dokumen sudah selesai dicetak dan dapat diambil di kantor kecamatan dengan membawa "
        "bukti pengajuan.",
    ),
    "kesehatan": (
        "Laporan sudah kami sampaikan kepada kepala puskesmas untuk dievaluasi.",
        "Sudah dilakukan pembinaan kepada petugas dan penambahan loket pendaftaran pada jam sibuk.",
    ),
    "pendidikan": (
        "Kami akan memanggil kepala sekolah untuk klarifikasi.",
        "Sekolah sudah kami minta menghentikan pungutan tersebut; sumbangan bersifat sukarela "
        "sesuai Permendikbud 75/2016.",
    ),
    "ketertiban": (
        "Laporan diterima, regu Satpol PP akan melakukan patroli ke lokasi.",
        "Penertiban sudah dilaksanakan dan lokasi akan dipantau secara berkala.",
    ),
    "perizinan": (
        "Permohonan Anda sedang kami telusuri bersama tim teknis.",
        "Izin sudah terbit dan dapat diunduh melalui sistem. Tidak ada biaya tambahan apa pun.",
    ),
    # Sub-categories whose handling the parent's words above would misdescribe.
    "pencemaran": (
        "Petugas kami akan mengambil sampel air sungai dan memeriksa usaha di hulu.",
        "Hasil uji sampel melampaui baku mutu; usaha tersebut sudah diberi sanksi "
        "administratif dan wajib memperbaiki pengolahan limbahnya.",
    ),
    "pohon": (
        "Tim pertamanan akan memeriksa kondisi pohon di lokasi.",
        "Dahan yang lapuk sudah dipangkas dan pohon sudah ditopang agar tidak tumbang.",
    ),
    "lalu-lintas": (
        "Teknisi kami akan memeriksa kontroler lampu lalu lintas di simpang tersebut.",
        "Kontroler yang rusak sudah diganti dan lampu lalu lintas kembali berfungsi normal.",
    ),
    "bpjs": (
        "Data kepesertaan Bapak/Ibu sedang kami periksa bersama Dinas Sosial dan BPJS Kesehatan.",
        "Kepesertaan PBI sudah diaktifkan kembali dan dapat digunakan untuk berobat.",
    ),
    "ppdb": (
        "Kami akan memeriksa data domisili peserta yang diterima di sekolah tersebut.",
        "Pemeriksaan selesai; peserta dengan domisili tidak sah sudah dibatalkan dan kursinya "
        "diberikan kepada peserta berikutnya.",
    ),
    "fasilitas-sekolah": (
        "Kami akan meninjau kondisi ruang kelas bersama kepala sekolah.",
        "Atap ruang kelas sudah diperbaiki dan murid kembali belajar di kelasnya.",
    ),
}

NOTES = [
    "Sudah koordinasi dengan kepala seksi, survei dijadwalkan Kamis.",
    "Anggaran pemeliharaan triwulan ini hampir habis, prioritaskan titik rawan kecelakaan.",
    "Pelapor sudah dihubungi lewat telepon untuk konfirmasi lokasi.",
    "Perlu surat tugas dari kepala dinas sebelum turun ke lapangan.",
]

NOT_SATISFIED = [
    "Belum ada perbaikan sama sekali di lokasi, mohon dicek kembali.",
    "Perbaikannya hanya tambal sulam, seminggu kemudian rusak lagi.",
    "Jawaban tidak sesuai dengan yang saya laporkan.",
]

RATING_COMMENTS = {
    5: ["Terima kasih, cepat sekali ditangani.", "Mantap, pelayanannya responsif.", ""],
    4: ["Sudah beres, meski agak lama.", "Terima kasih, semoga dipertahankan.", ""],
    3: ["Sudah ditangani, tapi komunikasinya kurang.", ""],
    2: ["Lama sekali prosesnya.", "Hanya selesai sebagian."],
    1: ["Tidak ada perubahan di lapangan.", "Kecewa, laporan dianggap selesai padahal belum."],
}

ARCHIVE_MESSAGES = {
    "not_public_service": "Laporan ini merupakan sengketa pribadi antarwarga dan bukan "
    "permasalahan pelayanan publik. Silakan menempuh jalur musyawarah atau mediasi desa.",
    "out_of_scope": "Laporan ini berkaitan dengan dugaan tindak pidana. Silakan melapor ke "
    "kepolisian setempat.",
    "abusive": "Laporan berisi kata-kata kasar dan tidak memuat permasalahan yang jelas.",
    "incomplete": "Laporan tidak memuat informasi yang cukup untuk ditindaklanjuti.",
}

ESCALATION_MESSAGES = [
    "Mohon segera ditindaklanjuti, laporan sudah melewati batas waktu.",
    "Kepala dinas mohon memberi perhatian pada laporan ini.",
]

RESPONSE_TEMPLATES = [
    (
        "Laporan diterima, akan disurvei",
        "Terima kasih atas laporan Bapak/Ibu. Tim kami akan melakukan survei ke lokasi dalam "
        "waktu paling lambat 5 hari kerja.",
    ),
    (
        "Mohon kelengkapan data",
        "Mohon maaf, untuk menindaklanjuti laporan ini kami memerlukan data tambahan: lokasi "
        "persis dan foto kondisi terkini.",
    ),
    (
        "Pekerjaan selesai",
        "Pekerjaan perbaikan telah selesai dilaksanakan. Apabila masih ada kendala, silakan "
        "sampaikan tanggapan melalui laporan ini.",
    ),
]

CITIZEN_NAMES = [
    "Siti Rahmawati",
    "Agus Setiawan",
    "Dwi Lestari",
    "Bambang Riyanto",
    "Nur Khasanah",
    "Eko Prasetyo",
    "Wahyu Hidayat",
    "Sri Wahyuni",
    "Yusuf Maulana",
    "Rina Kusumawati",
    "Fajar Nugroho",
    "Tri Handayani",
    "Ahmad Fauzi",
    "Lilis Suryani",
    "Joko Susilo",
    "Ratna Dewi",
]
