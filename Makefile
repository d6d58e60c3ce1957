.PHONY: run test faults lint messages

run:
	scripts/run

test:
	scripts/test

faults:
	scripts/test -m fault

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

messages:
	.venv/bin/python manage.py makemessages -l kk -l ru -l en -e html,txt,py --ignore=.venv --ignore=node_modules --ignore=tests
