package idcard

// SampleCards returns made-up cards of every type, for the reader
// simulator, demo mode and tests. The people do not exist; their numbers
// carry correct check characters so the cards read as good ones. The photo
// bytes are a placeholder of the right length, not a real WLT image.
func SampleCards() []Card {
	return []Card{
		{
			Type: Resident, Name: "张建华", Gender: Male, NationCode: "01", Nation: "汉",
			Birth: Date{1958, 3, 15}, Address: "北京市东城区东华门街道南池子大街12号",
			IDNumber: withCheck("11010119580315123"), Issuer: "北京市公安局东城分局",
			ValidFrom: Date{2018, 6, 1}, LongTerm: true, Photo: placeholderPhoto(1),
		},
		{
			Type: Resident, Name: "李玥", Gender: Female, NationCode: "03", Nation: "回",
			Birth: Date{1990, 11, 2}, Address: "河南省安阳市文峰区中华路88号",
			IDNumber: withCheck("41050219901102344"), Issuer: "安阳市公安局文峰分局",
			ValidFrom: Date{2016, 4, 20}, ValidTo: Date{2036, 4, 20}, Photo: placeholderPhoto(2),
		},
		{
			Type: Resident, Name: "赵燊", Gender: Male, NationCode: "08", Nation: "壮",
			Birth: Date{1985, 1, 30}, Address: "广西壮族自治区南宁市青秀区民族大道1号",
			IDNumber: withCheck("45010319850130201"), Issuer: "南宁市公安局青秀分局",
			ValidFrom: Date{2005, 2, 1}, ValidTo: Date{2025, 2, 1}, Photo: placeholderPhoto(3), // expired
		},
		{
			Type: PermitJ, Name: "黄志明", Gender: Male,
			Birth: Date{1990, 7, 1}, Address: "广东省深圳市福田区福华路3号",
			IDNumber: withCheck("81000019900701003"), Issuer: "深圳市公安局",
			ValidFrom: Date{2022, 9, 1}, ValidTo: Date{2027, 9, 1},
			PassNumber: "H12345678", IssueCount: "01", Photo: placeholderPhoto(4),
		},
		{
			Type: ForeignI, Name: "史密斯", Gender: Male, EnglishName: "SMITH, JOHN",
			IDNumber: "USA110058031512", Nationality: "USA", Birth: Date{1958, 3, 15},
			ValidFrom: Date{2019, 5, 10}, ValidTo: Date{2029, 5, 10},
			CardVersion: "01", Issuer: "1500", Photo: placeholderPhoto(5),
		},
		{
			Type: ForeignY, Name: "玛丽亚", Gender: Female, EnglishName: "GARCIA LOPEZ, MARIA ISABEL FERNANDA DE LA CRUZ",
			IDNumber: withCheck("94472419900520002"), Nationality: "ESP", Birth: Date{1990, 5, 20},
			ValidFrom: Date{2024, 1, 15}, ValidTo: Date{2034, 1, 15}, IssueCount: "00",
			Photo: placeholderPhoto(6),
		},
	}
}

func withCheck(first17 string) string { return first17 + string(IDCheckChar(first17)) }

// PhotoLen is the size of a card's WLT photo.
const PhotoLen = 1024

func placeholderPhoto(seed byte) []byte {
	p := make([]byte, PhotoLen)
	for i := range p {
		p[i] = byte(i)*31 + seed
	}
	return p
}
