from kefu.cli import app

if __name__ == "__main__":  # not when a worker process (kefu.nlu) imports it as __mp_main__
    app()
