module github.com/tori-bot/tori/tools/paragraphs

go 1.26.0
