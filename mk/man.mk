# `make man`: the SYNOPSIS of every man/cswarm-CMD.1 written from the
# command's option tables (scripts/man-synopsis); tests/man-options.sh
# checks that the pages agree with the tables.
.PHONY: man
man: cswarm
	scripts/man-synopsis ./cswarm
